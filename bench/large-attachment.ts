/**
 * Memory of the bot for one large attachment: a `/video` with a 200 MB phone clip (a real 3 s MP4
 * padded to 200 MB), through src/main.ts as its own process against the fake Discord (its CDN
 * serving the file from disk) and the fake Oxen, as test/process/large-attachment.ts runs it.
 * Prints the bot's resident memory before the command, while the CDN holds the download at half
 * the file, and its peak (VmHWM) until the job is at Oxen, with the load average.
 *
 *   npm run bench:large-attachment [-- <MB>]
 */
import { loadavg } from 'node:os';
import { runLargeAttachment } from '../test/process/large-attachment.js';

const megabytes = Number(process.argv[2] ?? '200');
const run = await runLargeAttachment(megabytes * 1_000_000);
const download = run.tempWhilePaused.reduce((n, f) => n + f.size, 0);
console.log(
  [
    `${megabytes} MB attachment`,
    `RSS before ${run.rssBeforeMiB.toFixed(0)} MiB`,
    `paused at half: +${(run.rssPausedMiB - run.rssBeforeMiB).toFixed(0)} MiB (temp files ${(download / 1e6).toFixed(0)} MB)`,
    `peak added +${(run.peakMiB - run.rssBeforeMiB).toFixed(0)} MiB`,
    `temp files left ${run.tempAfter.length}`,
    `${run.seconds.toFixed(1)} s to Oxen`,
    `load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
  ].join(' | '),
);
