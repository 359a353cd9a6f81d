/**
 * The link to a video's original outlives Oxen's signed result URL and works from any replica:
 * two bot processes (test/process/bot-process.ts with RESULT_LINKS=1) on the real Redis, a
 * "thread" that takes less than the video (UPLOAD_LIMIT, no FFmpeg here: the link goes), the fake
 * Oxen's signed result URLs living 1.5 s. Once the URL saved with the job answers 403, the bot
 * that did not deliver still serves the original at the posted link, byte for byte; a link with a
 * wrong token gets 404.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOxen } from '../fakes/oxen/index.js';
import { eventually } from '../helpers/harness.js';
import { dropRedisPrefix, REDIS_URL } from '../helpers/redis.js';
import { killAllBots, startBot, startSink } from './helpers.js';

let cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  await killAllBots();
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const VIDEO = new Uint8Array(readFileSync(new URL('../fixtures/media/clip6s.mp4', import.meta.url)));

describe('the link to the original', () => {
  it('is served by another replica after Oxen’s result URL expired', async () => {
    const fake = await startFakeOxen({ timing: { queuedMs: 20, processingMs: 40 }, keepAliveMs: 1_000, resultTtlMs: 1_500, resultVideo: VIDEO });
    const sink = await startSink();
    const prefix = `test-${randomUUID()}`;
    cleanups.push(() => fake.close(), () => sink.close(), () => dropRedisPrefix(prefix));
    const store = { url: REDIS_URL, prefix };
    const env = { RESULT_LINKS: '1', UPLOAD_LIMIT: String(VIDEO.byteLength - 1) };
    const one = await startBot({ name: 'one', fake, sink, store, env });
    const two = await startBot({ name: 'two', fake, sink, store, env });

    const jobId = await one.submit('a fox too big for this thread', 'u1');
    await eventually(() => sink.links.length === 1, 15_000, 'the link');
    const link = sink.links[0] as { jobId: string; url: string; reason: string };
    expect(link).toMatchObject({ jobId, reason: 'too_big' });
    expect(link.url).toMatch(new RegExp(`^https://bot\\.example\\.com/results/${jobId}/1/[A-Za-z0-9_-]{22}/seedance-${jobId}\\.mp4$`));

    // Oxen's signed URL, saved with the job, has expired...
    const saved = (await one.job(jobId))!.generations[0]!.resultUrl!;
    await eventually(async () => (await fetch(saved)).status === 403, 10_000, 'the signed URL to expire');
    // ...and the bot's link still serves the original, from the replica that did not post it.
    for (const bot of [two, one]) {
      const answer = await fetch(bot.url + new URL(link.url).pathname);
      expect(answer.status, bot.name).toBe(200);
      expect(answer.headers.get('content-type')).toBe('video/mp4');
      expect(Buffer.from(await answer.arrayBuffer()).equals(Buffer.from(VIDEO)), bot.name).toBe(true);
    }
    const forged = new URL(link.url).pathname.replace(/\/1\/[A-Za-z0-9_-]{22}\//, `/1/${'A'.repeat(22)}/`);
    expect((await fetch(two.url + forged)).status).toBe(404);
    // The key stays home: the storage origin never saw it, and nothing was sent to the person but the video.
    expect(fake.results.sawAuthorization()).toBe(false);
    expect((await one.job(jobId))!.generations[0]!.deliveredAs).toBe('link');
  }, 60_000);
});
