/**
 * Slack cannot say a workspace's own file limit in advance: when files.getUploadURLExternal
 * refuses the video for size (file_upload_size_restricted), it is re-encoded smaller and
 * uploaded into the thread, playing (probed) and whole, with the sizes and the original's link.
 * The video is made with FFmpeg at test time and the fake workspace's limit set low.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createResultFitter } from '../../src/core/media/fit-result.js';
import { makeTestVideo, probeVideo } from '../helpers/fit-media.js';
import { eventually, onlyJob, startWorld, stateOf, type World } from './helpers.js';

const WORKSPACE_LIMIT = 500 * 1024;
let dir: string;
let original: Uint8Array;
let world: World | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fit-slack-'));
  await makeTestVideo(join(dir, 'result.mp4'), { width: 640, height: 480, seconds: 4, videoBitrate: 1_600_000, noise: 10 });
  original = new Uint8Array(readFileSync(join(dir, 'result.mp4')));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('an upload refused for size', () => {
  it('is re-encoded and delivered into the thread once, with the sizes and the original', async () => {
    expect(original.byteLength).toBeGreaterThan(WORKSPACE_LIMIT);
    world = await startWorld({ oxen: { resultVideo: original }, results: { fitter: createResultFitter() } });
    const { slack, bot } = world;
    slack.switches.maxUploadBytes = WORKSPACE_LIMIT;
    await bot.sender.command('a fox in a strict workspace');
    const job = await onlyJob(bot.core);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 60_000, 'done');

    const asked = slack.callsTo('files.getUploadURLExternal').map((c) => Number(c.args['length']));
    expect(asked[0]).toBe(original.byteLength);
    expect(asked).toHaveLength(2);
    expect(asked[1]).toBeLessThanOrEqual(WORKSPACE_LIMIT);
    const completed = [...slack.uploads.values()].filter((u) => u.completed);
    expect(completed).toHaveLength(1);
    const upload = completed[0]!;
    expect(upload.completed).toMatchObject({ channel_id: 'C1', thread_ts: job.destination.statusMessageId });
    const probed = await probeVideo('', upload.bytes!);
    expect(probed.video?.codec).toBe('h264');
    expect(probed.video!.height).toBeGreaterThanOrEqual(480);
    expect(probed.audio?.codec).toBe('aac');
    expect(Math.abs(probed.durationSec - 4)).toBeLessThan(0.5);
    const comment = upload.completed!.initial_comment!;
    expect(comment).toMatch(/Re-encoded to fit this workspace's file limit: \d+\.\d MB → 0\.\d MB, 640×480/);
    expect(comment).toContain(world.oxen.resultsUrl);
    expect(comment).toMatch(/expires within hours/);
    const s = await bot.core.service.status(job.id);
    expect(s.ok && s.value.job.generations[0]!.deliveredAs).toBe('upload');
  }, 90_000);
});
