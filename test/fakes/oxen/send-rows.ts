/**
 * The fake's queue listing written a slice of rows at a time, letting its event loop go in
 * between, as a server streaming from its database does. Built and serialised whole, 10,000 rows
 * held the fake for up to ~50 ms (bench:engine), and the events and result downloads waiting
 * behind it counted as the bot's latency. The rows are the state when the request came: what
 * changes while the listing is written (a status, a result) is not in it, as in a snapshot.
 */
import type { ServerResponse } from 'node:http';
import { generationRow, type FakeGeneration } from './generations.js';

const SLICE = 500;

type Moving = Pick<FakeGeneration, 'status' | 'started_at' | 'completed_at' | 'result_url' | 'error_message'>;

export function sendRows(res: ServerResponse, generations: readonly FakeGeneration[]): void {
  // The fields that move, copied now; the rest of each row is built when its slice is written.
  const moving: Moving[] = generations.map((g) => ({ status: g.status, started_at: g.started_at, completed_at: g.completed_at, result_url: g.result_url, error_message: g.error_message }));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write(`{"count":${generations.length},"generations":[`);
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    const parts: string[] = [];
    const first = i === 0;
    for (const end = Math.min(generations.length, i + SLICE); i < end; i++) {
      const row = generationRow(generations[i]!);
      const then = moving[i]!;
      for (const key in then) row[key] = then[key as keyof Moving];
      parts.push(JSON.stringify(row));
    }
    res.write((first || parts.length === 0 ? '' : ',') + parts.join(','));
    if (i < generations.length) setImmediate(next);
    else res.end(']}');
  };
  next();
}
