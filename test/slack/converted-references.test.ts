/**
 * A Slack mention with files the model does not take as they are (a phone clip, an M4A voice memo,
 * a TIFF scan), converted by the real FFmpeg before anything is spent: the real Bolt app against
 * the fake Slack, the real core against the fake Oxen. Oxen's fetch of the enqueued files is
 * probed; the status message says what was converted next to each label.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMediaConverter } from '../../src/core/media/converter.js';
import { appMention } from '../fakes/slack/index.js';
import { fetchEnqueuedReferences } from '../helpers/fetch-references.js';
import { FIXTURES, probeBytes } from '../helpers/media-fixtures.js';
import { eventually, startWorld, type World } from './helpers.js';

const converter = createMediaConverter({ concurrency: 2, timeoutMs: 60_000 });
afterAll(() => converter.close());
let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('a mention with files to convert', { timeout: 90_000 }, () => {
  it('converts them, says so in the status message, and Oxen receives what the model takes', async () => {
    world = await startWorld({ media: converter });
    const { slack, oxen } = world;
    const dance = slack.addFile('dance.mov', await FIXTURES.phoneClip(0.5), 'video/quicktime');
    const walk = slack.addFile('walk.mp4', await FIXTURES.sdMp4(), 'video/mp4');
    const memo = slack.addFile('memo.m4a', await FIXTURES.m4a(), 'audio/mp4');
    const scan = slack.addFile('scan.tiff', await FIXTURES.tiff(), 'image/tiff');
    const files = [dance, walk, memo, scan];
    const text = '<@UBOT> @scan.tiff walks like @dance.mov to @memo.m4a';
    const message = slack.addMessage({ channel: 'C1', user: 'U1', text, files });
    await world.bot.sender.event(appMention({ channel: 'C1', user: 'U1', text, ts: message.ts, files }));

    await eventually(() => oxen.requestsTo('enqueue').length === 1, 60_000, 'the enqueue');
    const body = JSON.parse(oxen.requestsTo('enqueue')[0]!.body) as Record<string, unknown>;
    expect(body['prompt']).toBe('@Image1 walks like @Video1 to @Audio1. Use @Video2 as a reference video.');
    const fetched = await fetchEnqueuedReferences(world.bot.core.host, body);
    expect((await probeBytes(fetched['input_videos']![0]!))?.video).toMatchObject({ codec: 'h264', width: 720, height: 1256, rotation: 0 });
    expect((await probeBytes(fetched['input_audios']![0]!))?.audio?.codec).toMatch(/^mp3/);
    expect((await probeBytes(fetched['input_images']![0]!))?.video?.codec).toBe('png');

    const status = JSON.stringify(slack.callsTo('chat.postMessage')[0]!.args);
    expect(status).toMatch(/@Video1 = dance\.mov \(converted: 752p HEVC → 720p H\.264, [\d.]+ MB → [\d.]+ MB\)/);
    expect(status).toMatch(/@Audio1 = memo\.m4a \(converted: AAC → MP3/);
    expect(status).toMatch(/@Image1 = scan\.tiff \(converted: TIFF → PNG/);
    expect(status).toContain('@Video2 = walk.mp4,');
  });
});
