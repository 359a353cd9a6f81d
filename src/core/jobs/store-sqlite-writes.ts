/**
 * How the SQLite store writes (store-sqlite.ts): every write runs in one lane, one section at a
 * time, and saves of job records are grouped. Each statement costs a round trip through the
 * driver's thread pool and the event loop (about 1 ms on a loaded machine); with 10,000 jobs in
 * flight one safety-net listing saves hundreds of records, and a delivery's save used to wait
 * behind all of them, one statement each. Now:
 *  - saves waiting together go out as one transaction of a few multi-row statements (up to
 *    BATCH_ROWS records), whatever the number of callers;
 *  - a save on the way to a delivery or an ending (urgentSave) goes in the urgent lane, ahead of
 *    every section and every ordinary save still waiting: it waits at most for the section under
 *    way.
 */
import { isTerminal, type JobRecord } from './job.js';

/** Records one grouped write carries at most, so a big listing never holds the file for long. */
export const BATCH_ROWS = 256;
/**
 * Records a write of ordinary saves only carries at most: an urgent save arriving meanwhile waits
 * for the write under way, and at 10,000 jobs in flight a 256-record write of listed or costed
 * jobs was the longest part of the wait between a video being ready and its upload.
 */
export const ORDINARY_BATCH_ROWS = 64;

/**
 * A save that someone is waiting on: a succeeded generation not delivered yet (its upload starts
 * right after the save), or a job that ends (its slots are given back after it).
 */
export function urgentSave(record: JobRecord): boolean {
  return isTerminal(record.state) || record.generations.some((g) => g.status === 'succeeded' && g.delivery === 'pending');
}

/** Runs async sections one at a time; urgent ones start before every ordinary one still waiting. */
export class WriteLane {
  private busy = false;
  private readonly waiting: { urgent: (() => void)[]; ordinary: (() => void)[] } = { urgent: [], ordinary: [] };

  run<T>(section: () => Promise<T>, urgent = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (urgent ? this.waiting.urgent : this.waiting.ordinary).push(() => {
        (async () => section())().then(resolve, reject).finally(() => this.next());
      });
      if (!this.busy) this.next();
    });
  }

  private next(): void {
    const start = this.waiting.urgent.shift() ?? this.waiting.ordinary.shift();
    this.busy = start !== undefined;
    start?.();
  }
}

interface Pending {
  record: JobRecord;
  urgent: boolean;
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

/**
 * Saves of job records, grouped: a save joins the records waiting to be written (the latest copy
 * of a record wins) and resolves once a grouped write carrying it has committed.
 */
export class RecordWrites {
  private readonly pending = new Map<string, Pending>();
  /** A write is waiting in that lane and has not started: a new save joins it. */
  private readonly queued = { urgent: false, ordinary: false };

  constructor(
    private readonly lane: WriteLane,
    private readonly write: (records: JobRecord[]) => Promise<void>,
  ) {}

  /** `later`: an ordinary save even when urgentSave says otherwise (nobody waits on it). */
  save(record: JobRecord, later = false): Promise<void> {
    const urgent = !later && urgentSave(record);
    return new Promise<void>((resolve, reject) => {
      const entry = this.pending.get(record.id);
      if (entry) {
        entry.record = record;
        entry.urgent ||= urgent;
        entry.waiters.push({ resolve, reject });
      } else {
        this.pending.set(record.id, { record, urgent, waiters: [{ resolve, reject }] });
      }
      this.schedule(urgent);
    });
  }

  private schedule(urgent: boolean): void {
    const lane = urgent ? 'urgent' : 'ordinary';
    if (this.queued[lane]) return;
    this.queued[lane] = true;
    void this.lane.run(async () => {
      this.queued[lane] = false;
      await this.flush();
    }, urgent);
  }

  /**
   * Writes the urgent saves waiting (up to BATCH_ROWS), or when there are none the ordinary ones
   * (up to ORDINARY_BATCH_ROWS); schedules the rest.
   */
  private async flush(): Promise<void> {
    const batch: Pending[] = [];
    for (const entry of this.pending.values()) {
      if (batch.length >= BATCH_ROWS) break;
      if (entry.urgent) batch.push(entry);
    }
    if (batch.length === 0) {
      for (const entry of this.pending.values()) {
        if (batch.length >= ORDINARY_BATCH_ROWS) break;
        batch.push(entry);
      }
    }
    for (const entry of batch) this.pending.delete(entry.record.id);
    if (this.pending.size > 0) this.schedule([...this.pending.values()].some((e) => e.urgent));
    if (batch.length === 0) return;
    try {
      await this.write(batch.map((e) => e.record));
      for (const entry of batch) for (const w of entry.waiters) w.resolve();
    } catch (error) {
      for (const entry of batch) for (const w of entry.waiters) w.reject(error);
    }
  }
}

type Statement = [sql: string, params: unknown[]];

/**
 * The statements of one grouped write, a few multi-row ones however many records: user_jobs and
 * active_jobs rows for records not `indexed` yet, the records themselves (keyv's table, its
 * `job:` key prefix and serializer), and for finished ones the move from active_jobs to
 * finished_jobs.
 */
export async function recordWriteStatements(
  records: readonly JobRecord[],
  { indexed, serialize, now }: { indexed: ReadonlySet<string>; serialize: (data: { value: JobRecord; expires: undefined }) => string | Promise<string>; now: number },
): Promise<Statement[]> {
  const unindexed = records.filter((r) => !indexed.has(r.id));
  const finished = records.filter((r) => isTerminal(r.state));
  const activeNew = unindexed.filter((r) => !isTerminal(r.state));
  const statements: Statement[] = [];
  const rows = <T>(items: readonly T[], width: number, values: (item: T) => unknown[]): Statement => [
    items.map(() => `(${Array(width).fill('?').join(', ')})`).join(', '),
    items.flatMap(values),
  ];
  if (unindexed.length > 0) {
    const [sql, params] = rows(unindexed, 3, (r) => [`${r.requester.platform}:${r.requester.userId}`, r.id, r.createdAt]);
    statements.push([`INSERT OR IGNORE INTO user_jobs (user_key, id, created) VALUES ${sql}`, params]);
  }
  if (activeNew.length > 0) {
    const [sql, params] = rows(activeNew, 1, (r) => [r.id]);
    statements.push([`INSERT OR IGNORE INTO active_jobs (id) VALUES ${sql}`, params]);
  }
  const entries = await Promise.all(records.map(async (r) => [`job:${r.id}`, await serialize({ value: r, expires: undefined })] as const));
  const [recordSql, recordParams] = rows(entries, 2, (entry) => [...entry]);
  statements.push([`INSERT INTO keyv (key, value) VALUES ${recordSql} ON CONFLICT (key) DO UPDATE SET value = excluded.value`, recordParams]);
  if (finished.length > 0) {
    statements.push(['DELETE FROM active_jobs WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(finished.map((r) => r.id))]]);
    const [sql, params] = rows(finished, 2, (r) => [r.id, r.endedAt ?? now]);
    statements.push([`INSERT OR IGNORE INTO finished_jobs (id, ended) VALUES ${sql}`, params]);
  }
  return statements;
}
