/**
 * Reference conversion speed and memory: a 10 s 1080p H.264 clip and 10 s 2160p HEVC MOVs
 * (portrait flag, 30 and 60 fps) to 720p H.264, through the same converter the bot uses (pool,
 * temp files). Prints seconds of video converted per wall second (goal ≥ 2× real time on 2 cores)
 * and the peak RSS added over the process before the conversion (goal ≤ 150 MB), with the CPU
 * seconds used (the conversion runs on its own worker thread; the process's CPU time counts it),
 * the frames decoded, the CPU seconds that decoding every frame alone takes (2× real time leaves
 * 10 CPU-s per clip for everything) and the load average.
 *
 *   npm run bench:media-convert [-- clip names]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMediaConverter } from '../src/core/media/converter.js';
import { BENCH_CLIPS } from './media-clips.js';

// `npm run bench:media-convert -- h264_1080p` runs the clips named. Without names each clip runs
// in a process of its own: memory freed by one conversion stays with the process and would be
// reused by the next, which would then seem to add less.
const chosen = process.argv.slice(2);
if (chosen.length === 0) {
  for (const name of Object.keys(BENCH_CLIPS)) {
    const run = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, name], { stdio: 'inherit' });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
  process.exit(0);
}
const converter = createMediaConverter({ concurrency: 1, timeoutMs: 600_000 });
const off = await converter.unavailable();
if (off) throw new Error(off);

const dir = mkdtempSync(join(tmpdir(), 'seedance-bench-convert-'));
for (const [name, make] of Object.entries(BENCH_CLIPS).filter(([name]) => chosen.includes(name))) {
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
  const converted = await converter.video(input, output, { video: probe.video!, hasAudio: probe.audio !== undefined, durationSec: probe.durationSec!, maxBytes: 49_999_999 });
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
      `decoded ${converted.decodedFrames} frames`,
      // The floor: 2x real time on 2 cores leaves 10 CPU-s per 10 s clip for everything.
      `decoding alone ${(await decodingCpuSeconds(input)).toFixed(1)} CPU-s`,
      `load ${loadavg()[0]!.toFixed(1)}`,
    ].join(' | '),
  );
}
converter.close();
rmSync(dir, { recursive: true, force: true });

/** CPU seconds to decode every video frame of `path` and nothing else (one thread, this one). */
async function decodingCpuSeconds(path: string): Promise<number> {
  const { Demuxer, Decoder } = await import('node-av');
  const cpu = process.cpuUsage();
  const input = Demuxer.openSync(path);
  const stream = input.video()!;
  const decoder = Decoder.createSync(stream, { threadCount: 1 });
  try {
    for (const packet of input.packetsSync()) {
      if (!packet) break;
      if (packet.streamIndex === stream.index) for (const frame of decoder.decodeAllSync(packet)) frame.free();
      packet.free();
    }
    for (const frame of decoder.decodeAllSync(null)) frame.free();
  } finally {
    decoder.close();
    input.closeSync();
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1e6;
}
