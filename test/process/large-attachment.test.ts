/**
 * A 150 MB phone clip attached to `/video`, through the bot as `npm start` runs it (see
 * large-attachment.ts): its bytes go through a temporary file, never the process's memory whole,
 * and the file is gone once the job is at Oxen; the reference Oxen fetches is the converted clip.
 * The memory bound is generous (the clip is 150 MB; the bot adds under 100 MiB): before, the bot
 * held the whole download in memory, then a copy of it for FFmpeg. Figures: bench/large-attachment.ts.
 */
import { describe, expect, it } from 'vitest';
import { probeBytes } from '../helpers/media-fixtures.js';
import { runLargeAttachment } from './large-attachment.js';

const MB = 1_000_000;
const MiB = 1024 * 1024;

describe('a large attachment', () => {
  it('is downloaded into a temporary file (not memory), converted from it, and the file removed once the job is saved', async () => {
    const size = 150 * MB;
    const run = await runLargeAttachment(size);

    // Half the file had come when the CDN paused: it was in a file of the bot's request directory…
    const download = run.tempWhilePaused.find((f) => /^seedance-media\/\d+-[^/]+\/req-[^/]+\/1\.download$/.test(f.path));
    expect(download, JSON.stringify(run.tempWhilePaused)).toBeDefined();
    expect(download!.size).toBe(size / 2);
    // …and not in its memory.
    expect(run.rssPausedMiB - run.rssBeforeMiB).toBeLessThan(size / 2 / MiB / 2);
    expect(run.peakMiB - run.rssBeforeMiB).toBeLessThan(100);

    // Every temporary file is gone once the job was saved and sent to Oxen.
    expect(run.tempAfter).toEqual([]);

    // What Oxen fetched is the clip converted (it was over the 50 MB the model takes).
    expect(run.answer).toMatch(/@Video1 = `phone\.mp4` \(converted: 480p H\.264 → 480p H\.264, 150 MB → [\d.]+ MB\)/);
    const probe = await probeBytes(run.fetchedVideo!);
    expect(probe?.video).toMatchObject({ codec: 'h264', width: 640, height: 480 });
    expect(run.fetchedVideo!.byteLength).toBeLessThan(5 * MB);
  }, 180_000);
});
