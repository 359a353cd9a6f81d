/**
 * Where a job's prepared reference files wait until Oxen has fetched them: written when the job is
 * saved, read back when it is launched (also after a restart, or by another instance), and served
 * to Oxen from here by the self host, so no file lives in one process's memory.
 *
 * Backends: files under DATA_DIR with the embedded store (one instance), Redis with STORE_URL
 * (every instance reads every file), and memory for tests and tools. Everything expires, and a
 * job's files and tokens are removed when it ends.
 */
import type { HeldBytes } from './reference-bytes.js';
import type { Reference } from './types.js';

/** What is kept of a reference besides its bytes, and which blob holds them. */
export type StoredReferenceMeta = Omit<Reference, 'bytes' | 'file' | 'stored'> & { blob: string };

/** What a self-host token stands for: one blob of one job, under a file name and type. */
export interface ReferenceGrant {
  jobId: string;
  blob: string;
  fileName: string;
  mime: string;
  size: number;
}

export interface ReferenceStore {
  /** True when several instances read the same files (Redis). */
  readonly shared: boolean;
  /**
   * Saves a job's prepared references, in order, for `ttlMs` or until `remove`; nothing for none.
   * A reference in a file is streamed from it (the Redis store appends it in pieces).
   */
  save(jobId: string, references: readonly Reference[], ttlMs?: number): Promise<void>;
  /**
   * The references saved for a job, each with its bytes (in memory, or the store's own file) and
   * marked with the blob it came from; undefined when none were saved for it, or they expired or
   * were removed.
   */
  load(jobId: string): Promise<Reference[] | undefined>;
  /** Stores bytes for a job that were not saved with it (a reference hosted directly); the blob id. */
  addBlob(jobId: string, bytes: HeldBytes, ttlMs: number): Promise<string>;
  /** Makes `token` stand for a blob for `ttlMs`; the job's files then live at least as long. */
  grant(token: string, grant: ReferenceGrant, ttlMs: number): Promise<void>;
  /** The blob behind a token; undefined when unknown, expired, or its job's files are gone. */
  lookup(token: string): Promise<ReferenceGrant | undefined>;
  /** Bytes `start`..`end` (inclusive) of a blob, in pieces; undefined when the blob is gone. */
  read(grant: ReferenceGrant, start: number, end: number): Promise<AsyncIterable<Uint8Array> | undefined>;
  /** Drops a job's files and every token for them. */
  remove(jobId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * How long saved files are kept when nothing removes them: a job may wait this long in the bot's
 * own queue (behind MAX_RUNNING_JOBS) before it reaches Oxen. Hosting extends it by the URL's life.
 */
export const DEFAULT_REFERENCE_RETENTION_MS = 24 * 60 * 60 * 1000;
/** Pieces in which a blob is read when served, so that serving never holds a whole file. */
export const READ_PIECE_BYTES = 1024 * 1024;

/** Job ids and blob ids become file names and key parts: letters, digits, `_` and `-` only. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function assertSafeId(what: string, id: string): void {
  if (!SAFE_ID.test(id)) throw new Error(`${what} ${JSON.stringify(id)} is not a safe id`);
}

export function metaOf(reference: Reference, blob: string): StoredReferenceMeta {
  const { bytes: _bytes, file: _file, stored: _stored, ...meta } = reference;
  return {
    ...meta,
    blob,
    ...(reference.publicUrl
      ? { publicUrl: { url: reference.publicUrl.url, ...(reference.publicUrl.expiresAt ? { expiresAt: reference.publicUrl.expiresAt } : {}) } }
      : {}),
  };
}

/** A reference read back: JSON turned the public URL's expiry into text. */
export function referenceFrom(meta: StoredReferenceMeta, held: HeldBytes): Reference {
  const { blob, publicUrl, ...rest } = meta;
  return {
    ...rest,
    ...(held.file !== undefined ? { file: held.file } : { bytes: held.bytes! }),
    stored: { blob },
    ...(publicUrl ? { publicUrl: { url: publicUrl.url, ...(publicUrl.expiresAt ? { expiresAt: new Date(publicUrl.expiresAt) } : {}) } } : {}),
  };
}
