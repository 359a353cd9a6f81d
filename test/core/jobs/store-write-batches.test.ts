/**
 * How the SQLite store groups saves (store-sqlite-writes.ts), seen from the writes it makes: urgent
 * saves (on the way to a delivery or an ending) go alone in writes of up to BATCH_ROWS records,
 * ordinary ones in writes of at most ORDINARY_BATCH_ROWS, so an urgent save never waits behind a
 * long write of records nobody waits on.
 */
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../src/core/jobs/job.js';
import { BATCH_ROWS, ORDINARY_BATCH_ROWS, RecordWrites, WriteLane } from '../../../src/core/jobs/store-sqlite-writes.js';
import { jobRecord } from '../../helpers/job-record.js';

const job = (i: number, status: 'processing' | 'succeeded'): JobRecord =>
  jobRecord({ state: 'running', requester: { platform: 'discord', userId: `u${i}`, scopeId: 'g1' }, generations: [{ id: `gen-${i}`, status, delivery: 'pending' }] });

describe('grouped record writes', () => {
  it('ordinary saves go in small writes; urgent ones in writes of their own, ahead of the ordinary ones still waiting', async () => {
    const writes: { size: number; urgent: number }[] = [];
    const urgentIds = new Set<string>();
    const writer = new RecordWrites(new WriteLane(), async (records) => {
      writes.push({ size: records.length, urgent: records.filter((r) => urgentIds.has(r.id)).length });
      await new Promise((resolve) => setTimeout(resolve, 1));
    });
    const ordinary = Array.from({ length: 1_000 }, (_, i) => writer.save(job(i, 'processing')));
    await new Promise((resolve) => setTimeout(resolve, 0)); // a write of ordinary saves is under way
    const urgent = Array.from({ length: 300 }, (_, i) => {
      const record = job(10_000 + i, 'succeeded');
      urgentIds.add(record.id);
      return writer.save(record);
    });
    await Promise.all([...ordinary, ...urgent]);

    expect(writes.reduce((sum, w) => sum + w.size, 0)).toBe(1_300);
    for (const w of writes) expect(w.urgent === 0 ? w.size <= ORDINARY_BATCH_ROWS : w.urgent === w.size && w.size <= BATCH_ROWS).toBe(true);
    // The urgent ones were written right after the write under way, not after the other ordinary ones.
    const firstUrgent = writes.findIndex((w) => w.urgent > 0);
    expect(firstUrgent).toBeGreaterThan(0);
    expect(firstUrgent).toBeLessThanOrEqual(2);
    expect(writes.slice(firstUrgent, firstUrgent + 2).map((w) => w.urgent)).toEqual([BATCH_ROWS, 300 - BATCH_ROWS]);
  });
});
