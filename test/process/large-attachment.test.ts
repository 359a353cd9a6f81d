/**
 * A 200 MB phone clip attached to `/video`, through the bot as `npm start` runs it (see
 * large-attachment.ts): its bytes go through a temporary file, never the process's memory whole,
 * and the file is gone once the job is at Oxen; the reference Oxen fetches is the converted clip.
 * The memory bounds are generous: while half the clip (95 MiB) has come, the bot holds under 60 MiB
 * more than before the command (about 35: pieces not yet collected), and its peak, which the
 * conversion sets (about 110), stays under 200 MiB more; before, the bot held the whole download in
 * memory (and twice at once, as the pieces were joined). Figures: bench/large-attachment.ts.
 */
import { describe, expect, it } from 'vitest';
import { probeBytes } from '../helpers/media-fixtures.js';
import { runCrashMidDownload, runLargeAttachment } from './large-attachment.js';

const MB = 1_000_000;

describe('a large attachment', () => {
  it('is downloaded into a temporary file (not memory), converted from it, and the file removed once the job is saved', async () => {
    const size = 200 * MB;
    const run = await runLargeAttachment(size);

    // Half the file had come when the CDN paused: it was in a file of the bot's request directory…
    const download = run.tempWhilePaused.find((f) => /^seedance-media\/\d+-[^/]+\/req-[^/]+\/1\.download$/.test(f.path));
    expect(download, JSON.stringify(run.tempWhilePaused)).toBeDefined();
    expect(download!.size).toBe(size / 2);
    // …and not in its memory.
    expect(run.rssPausedMiB - run.rssBeforeMiB).toBeLessThan(60);
    expect(run.peakMiB - run.rssBeforeMiB).toBeLessThan(200);

    // Every temporary file is gone once the job was saved and sent to Oxen.
    expect(run.tempAfter).toEqual([]);

    // What Oxen fetched is the clip converted (it was over the 50 MB the model takes).
    expect(run.answer).toMatch(/@Video1 = `phone\.mp4` \(converted: 480p H\.264 → 480p H\.264, 200 MB → [\d.]+ MB\)/);
    const probe = await probeBytes(run.fetchedVideo!);
    expect(probe?.video).toMatchObject({ codec: 'h264', width: 640, height: 480 });
    expect(run.fetchedVideo!.byteLength).toBeLessThan(5 * MB);
  }, 180_000);

  it('left behind by a process killed mid-download, is swept by the next process to start', async () => {
    const run = await runCrashMidDownload(20 * MB);
    expect(run.tempWhilePaused.map((f) => f.path)).toEqual([expect.stringMatching(new RegExp(`^seedance-media/${run.crashedPid}-[^/]+/req-[^/]+/1\\.download$`))]);
    // Only the new process's own directory is left.
    expect(run.dirsAfterRestart).toEqual([expect.stringMatching(new RegExp(`^${run.restartedPid}-`))]);
  }, 120_000);
});
