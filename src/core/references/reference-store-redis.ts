/**
 * A ReferenceStore in Redis (STORE_URL), so every instance can launch every job with its files
 * and serve every self-hosted reference. Every key expires; a job's keys are listed in one set so
 * that they all go when the job ends, and all live at least as long as the longest token.
 *
 *   <prefix>:ref:<job>:meta         JSON: the saved references
 *   <prefix>:ref:<job>:blob:<blob>  the bytes (written in pieces with APPEND under a staging
 *                                   name, then renamed; read in pieces with GETRANGE when served)
 *   <prefix>:ref:<job>:keys         set of the job's blob and token keys
 *   <prefix>:reftoken:<token>       JSON: the token's grant
 */
import { randomBytes } from 'node:crypto';
import { createClient, RESP_TYPES } from '@redis/client';
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
import { streamOf, type HeldBytes } from './reference-bytes.js';
import type { Reference } from './types.js';
import { bounded, boundEveryCall, closeClient, redisClientOptions, STORE_TIMEOUT_MS } from '../jobs/store-unreachable.js';

/**
 * A call's limit here, when Redis is connected but silent: a file's bytes (up to tens of MB) go in
 * one command. While it is unreachable, calls fail at once (no offline queue) or after the
 * STORE_TIMEOUT_MS wait for the first connection, with `store.unreachable`.
 */
const REFERENCE_CALL_TIMEOUT_MS = 30_000;

/** Keeps the job's set, its meta and every key in the set alive for at least ARGV[1] ms. */
const EXTEND = `
local function extend(key)
  local ttl = redis.call('PTTL', key)
  if ttl ~= -2 and ttl < tonumber(ARGV[1]) then redis.call('PEXPIRE', key, ARGV[1]) end
end
extend(KEYS[1])
extend(KEYS[2])
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do extend(key) end
return 1`;

export class RedisReferenceStore implements ReferenceStore {
  readonly shared = true;
  private readonly base: ReturnType<typeof createClient>;
  private readonly connected: Promise<unknown>;

  constructor(url: string, private readonly prefix = 'seedance') {
    this.base = createClient({ ...redisClientOptions(url, REFERENCE_CALL_TIMEOUT_MS), disableOfflineQueue: true });
    this.base.on('error', () => undefined); // surfaced through the rejected calls instead
    this.connected = this.base.connect();
    this.connected.catch(() => undefined);
    boundEveryCall(this, REFERENCE_CALL_TIMEOUT_MS, ['close']);
  }

  /** Replies as Buffers, so bytes come back as they went in. */
  private readonly buffers = () => this.base.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  private typed: ReturnType<typeof this.buffers> | undefined;

  private async client() {
    // The first connection, waited for at most STORE_TIMEOUT_MS: `store.unreachable` rather than a wait without end.
    if (!this.base.isReady) await bounded(this.connected, STORE_TIMEOUT_MS, 'connect');
    return (this.typed ??= this.buffers());
  }

  async save(jobId: string, references: readonly Reference[], ttlMs = DEFAULT_REFERENCE_RETENTION_MS): Promise<void> {
    if (references.length === 0) return;
    const client = await this.client();
    const k = this.keys(jobId);
    const metas: StoredReferenceMeta[] = references.map((reference, i) => metaOf(reference, String(i)));
    const staged: string[] = [];
    try {
      for (const reference of references) staged.push(await this.stage(client, reference, ttlMs));
    } catch (error) {
      if (staged.length > 0) await client.del(staged).catch(() => undefined);
      throw error;
    }
    const multi = client.multi();
    for (const [i, staging] of staged.entries()) {
      multi.rename(staging, k.blob(String(i)));
      multi.sAdd(k.set, k.blob(String(i)));
    }
    multi.set(k.meta, JSON.stringify(metas), { expiration: { type: 'PX', value: ttlMs } });
    multi.eval(EXTEND, { keys: [k.set, k.meta], arguments: [String(ttlMs)] });
    await multi.exec();
  }

  async load(jobId: string): Promise<Reference[] | undefined> {
    const client = await this.client();
    const k = this.keys(jobId);
    const text = await client.get(k.meta);
    if (!text) return undefined;
    const metas = JSON.parse(text.toString('utf8')) as StoredReferenceMeta[];
    const references: Reference[] = [];
    for (const meta of metas) {
      const bytes = await client.get(k.blob(meta.blob));
      if (!bytes) return undefined;
      // Whole, as Redis gives a value: at most a reference's size (the model's caps: 50 MB of video).
      references.push(referenceFrom(meta, { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) }));
    }
    return references;
  }

  async addBlob(jobId: string, bytes: HeldBytes, ttlMs: number): Promise<string> {
    const client = await this.client();
    const k = this.keys(jobId);
    const blob = `x${randomBytes(8).toString('hex')}`;
    const staging = await this.stage(client, bytes, ttlMs);
    await client
      .multi()
      .rename(staging, k.blob(blob))
      .sAdd(k.set, k.blob(blob))
      .eval(EXTEND, { keys: [k.set, k.meta], arguments: [String(ttlMs)] })
      .exec();
    return blob;
  }

  async grant(token: string, grant: ReferenceGrant, ttlMs: number): Promise<void> {
    const client = await this.client();
    const k = this.keys(grant.jobId);
    await client
      .multi()
      .set(this.tokenKey(token), JSON.stringify(grant), { expiration: { type: 'PX', value: ttlMs } })
      .sAdd(k.set, this.tokenKey(token))
      .eval(EXTEND, { keys: [k.set, k.meta], arguments: [String(ttlMs)] })
      .exec();
  }

  async lookup(token: string): Promise<ReferenceGrant | undefined> {
    const client = await this.client();
    const text = await client.get(this.tokenKey(token));
    if (!text) return undefined;
    const grant = JSON.parse(text.toString('utf8')) as ReferenceGrant;
    return (await client.exists(this.keys(grant.jobId).blob(grant.blob))) ? grant : undefined;
  }

  async read(grant: ReferenceGrant, start: number, end: number): Promise<AsyncIterable<Uint8Array> | undefined> {
    const client = await this.client();
    const key = this.keys(grant.jobId).blob(grant.blob);
    if ((await client.strLen(key)) === 0) return undefined;
    return (async function* () {
      for (let at = start; at <= end; at += READ_PIECE_BYTES) {
        const piece = await client.getRange(key, at, Math.min(end, at + READ_PIECE_BYTES - 1));
        // Removed while being served (the job ended): stop rather than send a wrong length quietly.
        if (!piece || piece.byteLength === 0) throw new Error('reference removed while being served');
        yield new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength);
      }
    })();
  }

  async remove(jobId: string): Promise<void> {
    const client = await this.client();
    const k = this.keys(jobId);
    const members = (await client.sMembers(k.set)).map((member) => member.toString('utf8'));
    await client.del([...members, k.meta, k.set]);
  }

  async close(): Promise<void> {
    await closeClient(this.base, this.connected, STORE_TIMEOUT_MS);
  }

  private keys(jobId: string) {
    assertSafeId('job id', jobId);
    const job = `${this.prefix}:ref:${jobId}`;
    return {
      meta: `${job}:meta`,
      set: `${job}:keys`,
      blob: (blob: string) => {
        assertSafeId('blob', blob);
        return `${job}:blob:${blob}`;
      },
    };
  }

  /**
   * Writes bytes under a staging key of their own, a piece at a time (a file is never read whole),
   * expiring with `ttlMs` so that a crash midway leaves nothing for good; the caller renames it.
   */
  private async stage(client: Awaited<ReturnType<typeof this.client>>, held: HeldBytes, ttlMs: number): Promise<string> {
    const staging = `${this.prefix}:refstaging:${randomBytes(12).toString('hex')}`;
    await client.set(staging, '', { expiration: { type: 'PX', value: ttlMs } });
    try {
      for await (const piece of streamOf(held)) await client.append(staging, Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    } catch (error) {
      await client.del(staging).catch(() => undefined);
      throw error;
    }
    return staging;
  }

  private tokenKey(token: string): string {
    return `${this.prefix}:reftoken:${token}`;
  }
}
