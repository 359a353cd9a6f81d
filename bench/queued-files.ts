/**
 * Memory held by jobs with files that wait in line: 200 jobs with a 1 MB picture each, queued
 * behind one generation that holds the only slot at Oxen. Before, a waiting job kept its files in
 * the engine's memory (shown by a reference store in memory, which is what the engine did);
 * now they wait in the reference store beside the job store (files under DATA_DIR here) and the
 * process holds none of them.
 *
 *   node --expose-gc --import tsx bench/queued-files.ts      (npm run bench:queued-files)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteJobStore } from '../src/core/jobs/store-sqlite.js';
import { FileReferenceStore } from '../src/core/references/reference-store-files.js';
import { MemoryReferenceStore } from '../src/core/references/reference-store-memory.js';
import type { ReferenceStore } from '../src/core/references/reference-store.js';
import { DEFAULT_OPTIONS } from '../src/core/request.js';
import { startFakeOxen } from '../test/fakes/oxen/index.js';
import { eventually, startCore } from '../test/helpers/harness.js';
import { RecordingPort } from '../test/helpers/recording-port.js';
import { fixture, paddedTo } from '../test/core/references/helpers.js';
import { fmt, mb } from './lib.js';

const JOBS = 200;
const FILE_BYTES = 1_000_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:queued-files)');

function held(): number {
  gc!();
  const usage = process.memoryUsage();
  return usage.arrayBuffers + usage.heapUsed;
}

async function run(label: string, references: (dir: string) => ReferenceStore): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'seedance-bench-files-'));
  const fake = await startFakeOxen({ timing: 'manual', recordRequests: false });
  const store = new SqliteJobStore(dir);
  const core = await startCore({ fake, store, port: new RecordingPort(), references: references(dir), engine: { globalLimit: 1 }, service: { perUserLimit: 10 } });
  const request = (prompt: string, user: string, attachments: Parameters<typeof core.service.submit>[0]['attachments']) => ({
    request: { prompt, options: DEFAULT_OPTIONS },
    attachments,
    requester: { platform: 'discord' as const, userId: user, scopeId: 'guild-1' },
    destination: { platform: 'discord' as const, channelId: 'channel-1' },
  });
  await core.service.submit(request('the job holding the only slot', 'blocker', []));
  await eventually(() => fake.generations.size === 1, 5_000, 'the blocker at Oxen');

  const before = held();
  for (let i = 0; i < JOBS; i++) {
    // Each picture its own bytes, as each upload would be.
    const bytes = paddedTo(fixture('cat.png'), FILE_BYTES);
    bytes[FILE_BYTES - 1] = i % 256;
    const result = await core.service.submit(request(`@p${i}.png waits in line`, `person-${i % 50}`, [{ name: `p${i}.png`, size: FILE_BYTES, contentType: 'image/png', download: async () => bytes }]));
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
  }
  const after = held();
  const waiting = (await Promise.all((await store.activeIds()).map((id) => store.get(id)))).filter((j) => j?.state === 'waiting').length;
  console.log(`${label.padEnd(44)} ${String(waiting).padStart(7)} waiting   ${fmt(mb(after - before)).padStart(7)} MiB held by the process`);

  await core.stop();
  await core.host.files.close();
  await store.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
  return after - before;
}

console.log(`${JOBS} jobs with a ${FILE_BYTES / 1_000_000} MB picture each, waiting for the one slot at Oxen (${fmt(mb(JOBS * FILE_BYTES))} MiB of files)\n`);
await run('before: files kept in memory until launch', () => new MemoryReferenceStore());
await run('now: files in the reference store (DATA_DIR)', (dir) => new FileReferenceStore(join(dir, 'references'), { sweepIntervalMs: 0 }));
