/**
 * How job records are written into keyv: keyv's own format (@keyv/serialize: JSON, a string that
 * starts with ":" escaped as "::", a Buffer as ":base64:..."), so records written before and after
 * read alike with keyv's default reader, but produced by one JSON.stringify. keyv's default writer
 * builds the text by concatenating a string per value: at 10,000 jobs in flight it was a fifth of
 * everything the bot allocated (bench:engine with BENCH_ALLOC_PROFILE), garbage that fills the
 * young generation and raises the peak RSS.
 */
import { Buffer } from 'node:buffer';

function keyvValue(this: Record<string, unknown>, key: string, value: unknown): unknown {
  if (typeof value === 'string') return value.startsWith(':') ? `:${value}` : value;
  // JSON.stringify has already called the Buffer's toJSON; the holder still has the Buffer itself.
  const raw = this[key];
  if (Buffer.isBuffer(raw)) return `:base64:${raw.toString('base64')}`;
  return value;
}

/** keyv's `serialize`, written by JSON.stringify. */
export function serializeRecord(data: unknown): string {
  return JSON.stringify(data ?? null, keyvValue) ?? 'null';
}
