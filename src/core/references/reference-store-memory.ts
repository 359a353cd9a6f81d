/** A ReferenceStore in this process's memory: for tests and tools, never for the running bot. */
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_REFERENCE_RETENTION_MS,
  metaOf,
  READ_PIECE_BYTES,
  referenceFrom,
  type ReferenceGrant,
  type ReferenceStore,
  type StoredReferenceMeta,
} from './reference-store.js';
import { readWhole, type HeldBytes } from './reference-bytes.js';
import type { Reference } from './types.js';

interface JobFiles {
  saved?: StoredReferenceMeta[];
  blobs: Map<string, Uint8Array>;
  tokens: Set<string>;
  expiresAt: number;
}

export class MemoryReferenceStore implements ReferenceStore {
  readonly shared = false;
  private readonly jobs = new Map<string, JobFiles>();
  private readonly tokens = new Map<string, ReferenceGrant & { expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async save(jobId: string, references: readonly Reference[], ttlMs = DEFAULT_REFERENCE_RETENTION_MS): Promise<void> {
    if (references.length === 0) return;
    const files = this.files(jobId, ttlMs);
    const whole = await Promise.all(references.map((reference) => readWhole(reference)));
    files.saved = references.map((reference, i) => {
      files.blobs.set(String(i), whole[i]!);
      return metaOf(reference, String(i));
    });
  }

  async load(jobId: string): Promise<Reference[] | undefined> {
    const files = this.live(jobId);
    if (!files?.saved) return undefined;
    const references: Reference[] = [];
    for (const meta of files.saved) {
      const bytes = files.blobs.get(meta.blob);
      if (!bytes) return undefined;
      references.push(referenceFrom(meta, { bytes }));
    }
    return references;
  }

  async addBlob(jobId: string, held: HeldBytes, ttlMs: number): Promise<string> {
    const blob = `x${randomBytes(8).toString('hex')}`;
    const bytes = await readWhole(held);
    this.files(jobId, ttlMs).blobs.set(blob, bytes);
    return blob;
  }

  async grant(token: string, grant: ReferenceGrant, ttlMs: number): Promise<void> {
    const files = this.files(grant.jobId, ttlMs);
    files.tokens.add(token);
    this.tokens.set(token, { ...grant, expiresAt: this.now() + ttlMs });
  }

  async lookup(token: string): Promise<ReferenceGrant | undefined> {
    const entry = this.tokens.get(token);
    if (!entry || entry.expiresAt <= this.now() || !this.live(entry.jobId)?.blobs.has(entry.blob)) {
      this.tokens.delete(token);
      return undefined;
    }
    const { expiresAt: _expiresAt, ...grant } = entry;
    return grant;
  }

  async read(grant: ReferenceGrant, start: number, end: number): Promise<AsyncIterable<Uint8Array> | undefined> {
    const bytes = this.live(grant.jobId)?.blobs.get(grant.blob);
    if (!bytes) return undefined;
    return (async function* () {
      for (let at = start; at <= end; at += READ_PIECE_BYTES) yield bytes.subarray(at, Math.min(end + 1, at + READ_PIECE_BYTES));
    })();
  }

  async remove(jobId: string): Promise<void> {
    const files = this.jobs.get(jobId);
    for (const token of files?.tokens ?? []) this.tokens.delete(token);
    this.jobs.delete(jobId);
  }

  async close(): Promise<void> {
    this.jobs.clear();
    this.tokens.clear();
  }

  /** The job's entry, created or kept alive for at least `ttlMs` more. */
  private files(jobId: string, ttlMs: number): JobFiles {
    let files = this.live(jobId);
    if (!files) this.jobs.set(jobId, (files = { blobs: new Map(), tokens: new Set(), expiresAt: 0 }));
    files.expiresAt = Math.max(files.expiresAt, this.now() + ttlMs);
    return files;
  }

  private live(jobId: string): JobFiles | undefined {
    const files = this.jobs.get(jobId);
    if (files && files.expiresAt <= this.now()) {
      void this.remove(jobId);
      return undefined;
    }
    return files;
  }
}
