/**
 * A finished video over the server's upload limit is re-encoded to fit and posted as an
 * attachment that plays (probed: H.264 + AAC, the whole duration, +faststart, not below 480p),
 * with the sizes and a lasting link to the original; posted once, the job done. The video is made
 * with FFmpeg at test time and the limit set low (no huge files).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ResultLinks } from '../../src/core/jobs/result-links.js';
import { createResultFitter } from '../../src/core/media/fit-result.js';
import { slashCommand } from '../fakes/discord/index.js';
import { eventually } from '../helpers/harness.js';
import { makeTestVideo, probeVideo } from '../helpers/fit-media.js';
import { ANN, answerTo, postsTo, startWorld, type World } from './helpers.js';

const LIMIT = 400 * 1024;
let dir: string;
let original: Uint8Array;
let world: World | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fit-discord-'));
  await makeTestVideo(join(dir, 'result.mp4'), { width: 640, height: 480, seconds: 4, videoBitrate: 1_600_000, noise: 10 });
  original = new Uint8Array(readFileSync(join(dir, 'result.mp4')));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('a result over the server limit', () => {
  it('is re-encoded under the limit and uploaded; the message gives the sizes and the original', async () => {
    expect(original.byteLength).toBeGreaterThan(LIMIT);
    const links = new ResultLinks({ publicBaseUrl: 'https://bot.example.com', secret: 'k', keepsMs: 30 * 86_400_000 });
    world = await startWorld({
      oxen: { resultVideo: original },
      adapter: { uploadLimitForTier: () => LIMIT },
      results: { fitter: createResultFitter(), originalLink: (job, generation) => links.linkFor(job, generation) },
    });
    const { discord } = world;
    discord.switches.uploadLimitBytes = LIMIT;
    const payload = slashCommand(discord.context(ANN), 'video', [{ name: 'prompt', type: 3, value: 'a fox in snow' }]);
    await discord.dispatchInteraction(payload);
    const jobId = /`([a-z2-9]{6})`/.exec(await answerTo(discord, payload))![1]!;
    await eventually(async () => {
      const s = await world!.core.service.status(jobId);
      return s.ok && s.value.job.state === 'done';
    }, 60_000, 'done');

    const uploads = discord.calls.filter((c) => c.files.length > 0);
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.status).toBe(200);
    const file = uploads[0]!.files[0]!;
    expect(file.bytes.length).toBeLessThanOrEqual(LIMIT);
    const probed = await probeVideo('', file.bytes);
    expect(probed.video).toMatchObject({ codec: 'h264', height: 480, width: 640 });
    expect(probed.audio?.codec).toBe('aac');
    expect(Math.abs(probed.durationSec - 4)).toBeLessThan(0.5);
    expect(probed.fastStart).toBe(true);

    const content = String(uploads[0]!.json.content);
    expect(content).toMatch(/Re-encoded to fit this server's 0\.4 MB upload limit: \d+\.\d MB → 0\.\d MB, 640×480/);
    expect(content).toContain(`https://bot.example.com/results/${jobId}/1/`);
    expect(content).toContain('works for 30 days');
    expect(uploads[0]!.json.allowed_mentions).toEqual({ parse: [], users: [ANN.id] });
    const thread = [...discord.threads.keys()][0]!;
    expect(postsTo(discord, thread).filter((c) => /link/.test(String(c.json?.content)) && c.files.length === 0)).toHaveLength(0);
    const s = await world.core.service.status(jobId);
    expect(s.ok && s.value.job.generations[0]!.deliveredAs).toBe('upload');
  }, 90_000);

  it('without FFmpeg (or when it cannot fit) a link to the original goes instead, once', async () => {
    world = await startWorld({
      oxen: { resultVideo: original },
      adapter: { uploadLimitForTier: () => LIMIT },
      results: { fitter: createResultFitter({ binding: async () => ({ available: false, reason: 'no binding here' }) }) },
    });
    const { discord } = world;
    const payload = slashCommand(discord.context(ANN), 'video', [{ name: 'prompt', type: 3, value: 'a fox in snow' }]);
    await discord.dispatchInteraction(payload);
    const jobId = /`([a-z2-9]{6})`/.exec(await answerTo(discord, payload))![1]!;
    await eventually(async () => {
      const s = await world!.core.service.status(jobId);
      return s.ok && s.value.job.state === 'done';
    }, 20_000, 'done');
    expect(discord.calls.filter((c) => c.files.length > 0)).toHaveLength(0);
    const thread = [...discord.threads.keys()][0]!;
    const links = postsTo(discord, thread).filter((c) => String(c.json?.content).includes(world!.oxen.resultsUrl));
    expect(links).toHaveLength(1);
    expect(String(links[0]!.json.content)).toMatch(/could not be made small enough.*expires within hours.*operator/s);
  }, 60_000);
});
