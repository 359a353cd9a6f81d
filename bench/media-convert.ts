/**
 * Reference conversion speed and memory: a 10 s 1080p H.264 clip and a 10 s 2160p HEVC MOV
 * (portrait flag) to 720p H.264, through the same converter the bot uses (pool, temp files).
 * Prints seconds of video converted per wall second (goal ≥ 2× real time on 2 cores) and the peak
 * RSS added over the process before the conversion (goal ≤ 150 MB), with the CPU seconds used (the
 * conversion runs on its own worker thread; the process's CPU time counts it) and the load average.
 *
 *   npm run bench:media-convert
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMediaConverter } from '../src/core/media/converter.js';
import { BENCH_CLIPS } from './media-clips.js';

const converter = createMediaConverter({ concurrency: 1, timeoutMs: 600_000 });
const off = await converter.unavailable();
if (off) throw new Error(off);

const dir = mkdtempSync(join(tmpdir(), 'seedance-bench-convert-'));
for (const [name, make] of Object.entries(BENCH_CLIPS)) {
  const bytes = await make();
  // As the bot has them: the download in a file, the conversion into another.
  const input = join(dir, `${name}.in`);
  const output = join(dir, `${name}.mp4`);
  writeFileSync(input, bytes);
  const probe = (await converter.probe(input))!;
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await converter.video(input, output, { video: probe.video!, hasAudio: probe.audio !== undefined, durationSec: probe.durationSec!, maxBytes: 49_999_999 });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const result = (await converter.probe(output))!;
  console.log(
    [
      `${name}: ${probe.video!.width}x${probe.video!.height} ${probe.video!.codec} rot ${probe.video!.rotation} ${probe.durationSec!.toFixed(1)} s, ${(bytes.byteLength / 1e6).toFixed(1)} MB`,
      `-> ${result.video!.width}x${result.video!.height} ${result.video!.codec} ${result.durationSec!.toFixed(1)} s, ${(statSync(output).size / 1e6).toFixed(1)} MB`,
      `wall ${seconds.toFixed(2)} s`,
      `speed ${(probe.durationSec! / seconds).toFixed(2)}x real time`,
      `peak RSS added ${((peak - before) / 1e6).toFixed(0)} MB`,
      // Under other load the wall time says little; the CPU time is what 2 free cores would share.
      `CPU ${((used.user + used.system) / 1e6).toFixed(1)} s`,
      `load ${loadavg()[0]!.toFixed(1)}`,
    ].join(' | '),
  );
}
converter.close();
rmSync(dir, { recursive: true, force: true });
