/**
 * A ReferenceStore in files, beside the embedded SQLite store (DATA_DIR/references), for one
 * instance: it survives a restart, files are copied in from the request's temporary files
 * (never read into memory), and streamed from disk when served or uploaded.
 *
 *   jobs/<job id>/meta.json        what was saved, and until when it is kept
 *   jobs/<job id>/<blob>.bin       the bytes
 *   jobs/<job id>/tokens/<token>   which tokens point into this job (removed with it)
 *   tokens/<token>.json            a token's grant and expiry
 *
 * Every file is written under a temporary name and renamed, so a crash never leaves a torn one;
 * meta.json is written last, so a job's references are found only once all their bytes are there.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Mutex } from '../jobs/mutex.js';
import {
  assertSafeId,
  DEFAULT_REFERENCE_RETENTION_MS,
  metaOf,
  READ_PIECE_BYTES,
  referenceFrom,
  type ReferenceGrant,
  type ReferenceStore,
  type StoredReferenceMeta,
} from './reference-store.js';
import { copyInto, type HeldBytes } from './reference-bytes.js';
import type { Reference } from './types.js';

interface Meta {
  expiresAt: number;
  /** Absent when only blobs hosted directly were stored for the job. */
  references?: StoredReferenceMeta[];
}

const TOKEN = /^[A-Za-z0-9_-]{20,64}$/;
const SAFE_JOB_DIR = /^[A-Za-z0-9_-]{1,64}$/;
/** A job directory without meta.json this old was left by a crash in the middle of a save. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

export interface FileReferenceStoreOptions {
  /** How often expired files are removed; 0 turns the timer off (call `sweep`). Default 10 min. */
  sweepIntervalMs?: number;
  now?: () => number;
}

export class FileReferenceStore implements ReferenceStore {
  readonly shared = false;
  private readonly dir: string;
  private readonly now: () => number;
  /** meta.json is read, changed and written back; one process owns the directory. */
  private readonly metaLock = new Mutex();
  private readonly sweeper: NodeJS.Timeout | undefined;

  constructor(dir: string, options: FileReferenceStoreOptions = {}) {
    this.dir = resolve(dir);
    this.now = options.now ?? Date.now;
    const interval = options.sweepIntervalMs ?? 10 * 60_000;
    this.sweeper = interval > 0 ? setInterval(() => void this.sweep().catch(() => undefined), interval).unref() : undefined;
  }

  async save(jobId: string, references: readonly Reference[], ttlMs = DEFAULT_REFERENCE_RETENTION_MS): Promise<void> {
    if (references.length === 0) return;
    const dir = this.jobDir(jobId);
    await mkdir(dir, { recursive: true });
    const metas: StoredReferenceMeta[] = [];
    for (const [i, reference] of references.entries()) {
      await atomicCopy(reference, join(dir, `${i}.bin`));
      metas.push(metaOf(reference, String(i)));
    }
    await this.updateMeta(jobId, ttlMs, (meta) => ({ ...meta, references: metas }));
  }

  async load(jobId: string): Promise<Reference[] | undefined> {
    const meta = await this.liveMeta(jobId);
    if (!meta?.references) return undefined;
    const references: Reference[] = [];
    for (const stored of meta.references) {
      const file = this.blobPath(jobId, stored.blob);
      if (!(await stat(file).catch(() => undefined))) return undefined;
      references.push(referenceFrom(stored, { file }));
    }
    return references;
  }

  async addBlob(jobId: string, bytes: HeldBytes, ttlMs: number): Promise<string> {
    const blob = `x${randomBytes(8).toString('hex')}`;
    await mkdir(this.jobDir(jobId), { recursive: true });
    await atomicCopy(bytes, this.blobPath(jobId, blob));
    await this.updateMeta(jobId, ttlMs, (meta) => meta);
    return blob;
  }

  async grant(token: string, grant: ReferenceGrant, ttlMs: number): Promise<void> {
    if (!TOKEN.test(token)) throw new Error('not a reference token');
    const dir = this.jobDir(grant.jobId);
    await mkdir(join(dir, 'tokens'), { recursive: true });
    await mkdir(join(this.dir, 'tokens'), { recursive: true });
    await writeFile(join(dir, 'tokens', token), '');
    await atomicWrite(this.tokenPath(token), JSON.stringify({ ...grant, expiresAt: this.now() + ttlMs }));
    await this.updateMeta(grant.jobId, ttlMs, (meta) => meta);
  }

  async lookup(token: string): Promise<ReferenceGrant | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const text = await readFile(this.tokenPath(token), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const { expiresAt, ...grant } = JSON.parse(text) as ReferenceGrant & { expiresAt: number };
    if (expiresAt <= this.now() || !(await this.liveMeta(grant.jobId))) {
      await unlink(this.tokenPath(token)).catch(() => undefined);
      return undefined;
    }
    return grant;
  }

  async read(grant: ReferenceGrant, start: number, end: number): Promise<AsyncIterable<Uint8Array> | undefined> {
    const path = this.blobPath(grant.jobId, grant.blob);
    if (!(await stat(path).catch(() => undefined))) return undefined;
    return createReadStream(path, { start, end, highWaterMark: READ_PIECE_BYTES });
  }

  async remove(jobId: string): Promise<void> {
    const dir = this.jobDir(jobId);
    const tokens = await readdir(join(dir, 'tokens')).catch(() => [] as string[]);
    await Promise.all(tokens.filter((t) => TOKEN.test(t)).map((t) => unlink(this.tokenPath(t)).catch(() => undefined)));
    await this.metaLock.run(() => rm(dir, { recursive: true, force: true }));
  }

  /** Removes expired jobs and tokens; returns how many jobs went. */
  async sweep(): Promise<number> {
    let removed = 0;
    const jobIds = await readdir(join(this.dir, 'jobs')).catch(() => [] as string[]);
    for (const jobId of jobIds.filter((id) => SAFE_JOB_DIR.test(id))) {
      const meta = await this.readMeta(jobId).catch(() => undefined);
      // A directory without meta.json may be a save under way: only an old one is left over.
      const leftOver = !meta && ((await stat(join(this.dir, 'jobs', jobId)).catch(() => undefined))?.mtimeMs ?? 0) < Date.now() - ABANDONED_AFTER_MS;
      if (leftOver || (meta && meta.expiresAt <= this.now())) {
        await this.remove(jobId);
        removed++;
      }
    }
    for (const file of await readdir(join(this.dir, 'tokens')).catch(() => [] as string[])) {
      if (file.endsWith('.json')) await this.lookup(file.slice(0, -'.json'.length));
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  private jobDir(jobId: string): string {
    assertSafeId('job id', jobId);
    return join(this.dir, 'jobs', jobId);
  }

  private blobPath(jobId: string, blob: string): string {
    assertSafeId('blob', blob);
    return join(this.jobDir(jobId), `${blob}.bin`);
  }

  private tokenPath(token: string): string {
    return join(this.dir, 'tokens', `${token}.json`);
  }

  private async readMeta(jobId: string): Promise<Meta | undefined> {
    const text = await readFile(join(this.jobDir(jobId), 'meta.json'), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as Meta);
  }

  private async liveMeta(jobId: string): Promise<Meta | undefined> {
    const meta = await this.readMeta(jobId);
    if (meta && meta.expiresAt <= this.now()) {
      await this.remove(jobId);
      return undefined;
    }
    return meta;
  }

  /** Changes meta.json, keeping the job's files for at least `ttlMs` more. */
  private updateMeta(jobId: string, ttlMs: number, change: (meta: Meta) => Meta): Promise<void> {
    return this.metaLock.run(async () => {
      const current = (await this.readMeta(jobId)) ?? { expiresAt: 0 };
      const next = change({ ...current, expiresAt: Math.max(current.expiresAt, this.now() + ttlMs) });
      await mkdir(this.jobDir(jobId), { recursive: true });
      await atomicWrite(join(this.jobDir(jobId), 'meta.json'), JSON.stringify(next));
    });
  }
}

async function atomicWrite(path: string, data: string): Promise<void> {
  await atomically(path, (temporary) => writeFile(temporary, data));
}

async function atomicCopy(held: HeldBytes, path: string): Promise<void> {
  await atomically(path, (temporary) => copyInto(held, temporary));
}

async function atomically(path: string, write: (temporary: string) => Promise<void>): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await write(temporary);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
