/**
 * Result fit: a 15 s 1080p30 H.264 + AAC result of about 20 MiB (a test pattern with grain, so it
 * does not compress away) re-encoded under Discord's 10 MiB by the bot's fitter
 * (src/core/media/fit-result.ts). Prints the wall time (goal: at most the video's own 15 s), the
 * output size and shape, the speed against real time, and the peak RSS added.
 *
 *   npm run bench:result-fit [-- --runs 3]
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createResultFitter } from '../src/core/media/fit-result.js';
import { makeTestVideo, probeVideo } from '../test/helpers/fit-media.js';

const MiB = 1024 * 1024;
const LIMIT = 10 * MiB;
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 2;

const dir = await mkdtemp(join(tmpdir(), 'bench-result-fit-'));
try {
  const input = join(dir, 'result.mp4');
  await makeTestVideo(input, { width: 1920, height: 1080, seconds: 15, videoBitrate: 11_000_000, noise: 25 });
  const source = await probeVideo(input);
  const inputBytes = (await stat(input)).size;
  console.log(`input: ${(inputBytes / MiB).toFixed(1)} MiB, ${source.video!.width}x${source.video!.height}, ${source.durationSec.toFixed(1)} s, ${source.video!.codec}+${source.audio?.codec}`);
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const fitter = createResultFitter();
  for (let run = 1; run <= runs; run++) {
    const outputDir = await mkdtemp(join(dir, `run-${run}-`));
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const began = performance.now();
    const fitted = await fitter.fit({ input, outputDir, targetBytes: LIMIT });
    const wallSec = (performance.now() - began) / 1000;
    clearInterval(sampler);
    const out = await probeVideo(fitted.path);
    console.log(
      `run ${run}: wall ${wallSec.toFixed(1)} s (goal <= ${source.durationSec.toFixed(0)} s: ${wallSec <= source.durationSec ? 'met' : 'missed'}), ` +
        `${(wallSec > 0 ? source.durationSec / wallSec : 0).toFixed(2)}x real time, ` +
        `output ${(fitted.bytes / MiB).toFixed(2)} MiB (limit 10 MiB), ${out.video!.width}x${out.video!.height} ${out.video!.codec}+${out.audio?.codec}, ` +
        `${out.durationSec.toFixed(2)} s, faststart ${out.fastStart}, peak RSS +${((peak - rssBefore) / MiB).toFixed(0)} MiB, load ${loadavg()[0]!.toFixed(1)}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
