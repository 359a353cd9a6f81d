/**
 * An iPhone-size HEIC photo (4032×3024 as a grid of 48 HEVC tiles of 512×512, turned by irot,
 * with a thumbnail; grain so that it codes like a photo) to the JPEG reference, through the same
 * converter the bot uses. Prints the wall and CPU time, the peak RSS added over the process before
 * the conversion, the result, and the load average.
 *
 *   npm run bench:heic
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMediaConverter } from '../src/core/media/converter.js';
import { makeHeif } from '../test/helpers/heif-fixtures.js';

const converter = createMediaConverter({ concurrency: 1, timeoutMs: 600_000 });
const off = await converter.unavailable();
if (off) throw new Error(off);

const made = performance.now();
const bytes = await makeHeif({ width: 4032, height: 3024, tile: { width: 512, height: 512 }, irot: 1, thumbnail: true, grain: true });
// As the bot has it: the download in a file, the picture written to another.
const dir = mkdtempSync(join(tmpdir(), 'seedance-bench-heic-'));
const input = join(dir, 'photo.heic');
writeFileSync(input, bytes);
console.log(`made the HEIC: ${(bytes.byteLength / 1e6).toFixed(1)} MB in ${((performance.now() - made) / 1000).toFixed(1)} s`);

for (let run = 1; run <= 3; run++) {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const out = await converter.image(input, join(dir, `out-${run}`), { maxBytes: 30 * 1024 * 1024, lossless: false });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(
    [
      `run ${run}: -> ${out.format} ${out.width}x${out.height}, ${(out.size / 1e6).toFixed(1)} MB`,
      `wall ${seconds.toFixed(2)} s`,
      `CPU ${((used.user + used.system) / 1e6).toFixed(2)} s`,
      `peak RSS added ${((peak - before) / 1e6).toFixed(0)} MB`,
      `load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    ].join(', '),
  );
}
converter.close();
rmSync(dir, { recursive: true, force: true });
