/**
 * Where settings live, beside the jobs: a Redis hash per server (workspace) with STORE_URL, so
 * every replica reads the same; otherwise DATA_DIR/settings.sqlite. Each setting is
 * its own field (`server.maxResolution`, `channel:C1.defaultCount`) holding JSON, so two admins
 * changing different settings at once never undo each other; every change bumps the scope's
 * `version` field in the same transaction, which is what the cache checks on each request.
 */
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { createClient } from '@redis/client';
import { bounded, boundEveryCall, closeClient, redisClientOptions, STORE_TIMEOUT_MS } from '../jobs/store-unreachable.js';
import Keyv from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import { Mutex } from '../jobs/mutex.js';
import type { Config } from '../config.js';
import { layerSchema, SETTING_NAMES, type ScopeSettings, type SettingName, type SettingsLayer } from './model.js';

/** A scope's fields as stored: `<layer>.<setting>` -> JSON. */
export type StoredFields = Record<string, string>;

export interface SettingsStorage {
  /** True when several bot instances share it (Redis). */
  readonly shared: boolean;
  /** The scope's change counter: 0 when nothing was ever set. */
  version(scope: string): Promise<number>;
  read(scope: string): Promise<{ version: number; fields: StoredFields }>;
  /** Sets and removes fields at once; the new version. */
  write(scope: string, set: StoredFields, remove: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

export const layerField = (layer: 'server' | `channel:${string}`, name: SettingName) => `${layer}.${name}`;

/** Stored fields -> settings; a field that no longer parses (an older bot's) is skipped, not fatal. */
export function settingsFromFields(fields: StoredFields): ScopeSettings {
  const settings: ScopeSettings = { server: {}, channels: {} };
  for (const [field, json] of Object.entries(fields)) {
    const dot = field.lastIndexOf('.');
    const layer = field.slice(0, dot);
    const name = field.slice(dot + 1) as SettingName;
    if (!SETTING_NAMES.includes(name)) continue;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      continue;
    }
    const parsed = layerSchema.shape[name].safeParse(value);
    if (!parsed.success || parsed.data === undefined) continue;
    const target: SettingsLayer | undefined = layer === 'server' ? settings.server : layer.startsWith('channel:') ? (settings.channels[layer.slice(8)] ??= {}) : undefined;
    if (target) (target as Record<string, unknown>)[name] = parsed.data;
  }
  return settings;
}

export class RedisSettingsStorage implements SettingsStorage {
  readonly shared = true;
  private readonly client: ReturnType<typeof createClient>;
  private readonly connecting: Promise<unknown>;

  constructor(url: string, private readonly prefix = 'seedance') {
    this.client = createClient(redisClientOptions(url));
    this.client.on('error', () => undefined); // surfaced through the rejected calls instead
    this.connecting = this.client.connect();
    this.connecting.catch(() => undefined);
    // Redis not answering: every call fails with `store.unreachable` within seconds (store-unreachable.ts).
    boundEveryCall(this, STORE_TIMEOUT_MS, ['close']);
  }

  /** The first connection, waited for at most STORE_TIMEOUT_MS (node-redis keeps retrying it). */
  private get connected(): Promise<unknown> {
    return this.client.isReady ? Promise.resolve() : bounded(this.connecting, STORE_TIMEOUT_MS, 'connect');
  }

  private key(scope: string) {
    return `${this.prefix}:settings:${scope}`;
  }

  async version(scope: string): Promise<number> {
    await this.connected;
    return Number((await this.client.hGet(this.key(scope), 'version')) ?? 0);
  }

  async read(scope: string): Promise<{ version: number; fields: StoredFields }> {
    await this.connected;
    const { version, ...fields } = await this.client.hGetAll(this.key(scope));
    return { version: Number(version ?? 0), fields };
  }

  /** One MULTI (HSET, HDEL, HINCRBY): every reader sees the whole change or none of it. */
  async write(scope: string, set: StoredFields, remove: readonly string[]): Promise<number> {
    await this.connected;
    const key = this.key(scope);
    const multi = this.client.multi();
    if (Object.keys(set).length > 0) multi.hSet(key, set);
    if (remove.length > 0) multi.hDel(key, [...remove]);
    multi.hIncrBy(key, 'version', 1);
    const replies = await multi.exec();
    return Number(replies[replies.length - 1]);
  }

  async close(): Promise<void> {
    await closeClient(this.client, this.connecting, STORE_TIMEOUT_MS);
  }
}

/** One process owns the SQLite file, so an in-process mutex makes each change atomic. */
export class SqliteSettingsStorage implements SettingsStorage {
  readonly shared = false;
  private readonly db: Keyv<{ version: number; fields: StoredFields }>;
  private readonly mutex = new Mutex();

  constructor(dataDir: string) {
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true });
    // A file of its own: opening the jobs' file from a second connection while the job store sets
    // it up (WAL) can fail with SQLITE_BUSY, and settings are small and rarely written.
    const sqlite = new KeyvSqlite({ uri: `sqlite://${join(dir, 'settings.sqlite')}`, table: 'settings', busyTimeout: 10_000 });
    this.db = new Keyv({ store: sqlite, namespace: 'settings' });
    this.db.on('error', () => undefined); // surfaced through the rejected calls instead
  }

  async version(scope: string): Promise<number> {
    return (await this.db.get(scope))?.version ?? 0;
  }

  async read(scope: string): Promise<{ version: number; fields: StoredFields }> {
    return (await this.db.get(scope)) ?? { version: 0, fields: {} };
  }

  write(scope: string, set: StoredFields, remove: readonly string[]): Promise<number> {
    return this.mutex.run(async () => {
      const current = await this.read(scope);
      const fields = { ...current.fields, ...set };
      for (const field of remove) delete fields[field];
      const version = current.version + 1;
      await this.db.set(scope, { version, fields });
      return version;
    });
  }

  async close(): Promise<void> {
    await this.db.disconnect().catch(() => undefined);
  }
}

/** Beside the job store: Redis with STORE_URL, else the SQLite file in DATA_DIR. */
export function openSettingsStorage(config: Config['store']): SettingsStorage {
  return config.url ? new RedisSettingsStorage(config.url) : new SqliteSettingsStorage(config.dataDir);
}
