/**
 * Serves references from the bot's own HTTP server, at
 * `${PUBLIC_BASE_URL}/references/<token>/<file name>`, until they expire or the job releases them.
 *
 * The bytes are not held here: they are in the ReferenceStore (files under DATA_DIR, or Redis with
 * STORE_URL), where the job's files were saved when the job was. A token is a grant in that store,
 * so with Redis any instance behind PUBLIC_BASE_URL answers for any token, and a restart loses
 * nothing. Files are streamed from the store in pieces, never held whole per request.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MemoryReferenceStore } from './reference-store-memory.js';
import type { ReferenceGrant, ReferenceStore } from './reference-store.js';
import type { HostedReference, Reference, ReferenceHost } from './types.js';

export interface SelfReferenceHostOptions {
  /** Public address of the bot's HTTP server, e.g. https://bot.example.com (a path prefix is kept). */
  publicBaseUrl: string;
  /** Where the files are; the same store the service saves jobs' files in. Default: this process's memory (tests). */
  files?: ReferenceStore;
  /** How long a URL stays valid; at least the lifetime each `host` call asks for. Default 2 h. */
  ttlMs?: number;
  now?: () => number;
}

export const DEFAULT_SELF_HOST_TTL_MS = 2 * 60 * 60 * 1000;

const PATH_SEGMENT = '/references/';
/** 32 random bytes in base64url. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export class SelfReferenceHost implements ReferenceHost {
  readonly kind = 'self' as const;
  readonly files: ReferenceStore;
  private readonly ownsFiles: boolean;
  private readonly baseUrl: string;
  private readonly basePath: string;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: SelfReferenceHostOptions) {
    const base = new URL(options.publicBaseUrl);
    this.baseUrl = base.href.replace(/\/+$/, '');
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.ttlMs = options.ttlMs ?? DEFAULT_SELF_HOST_TTL_MS;
    this.now = options.now ?? Date.now;
    this.ownsFiles = !options.files;
    this.files = options.files ?? new MemoryReferenceStore(this.now);
  }

  /** A reference read back from the store is granted where it is; any other is stored first. */
  async host(reference: Reference, options: { jobId: string; minLifetimeMs: number }): Promise<HostedReference> {
    const lifetime = Math.max(this.ttlMs, options.minLifetimeMs);
    const blob = reference.stored?.blob ?? (await this.files.addBlob(options.jobId, reference, lifetime));
    const token = randomBytes(32).toString('base64url');
    const fileName = safeFileName(reference.name, reference.extension);
    const expiresAt = this.now() + lifetime;
    await this.files.grant(token, { jobId: options.jobId, blob, fileName, mime: reference.mime, size: reference.size }, lifetime);
    return { url: `${this.baseUrl}${PATH_SEGMENT}${token}/${encodeURIComponent(fileName)}`, expiresAt: new Date(expiresAt) };
  }

  /** The job's files and tokens go with it. */
  async release(jobId: string): Promise<void> {
    await this.files.remove(jobId);
  }

  /** The file behind a token; undefined when unknown, expired or released. */
  resolve(token: string): Promise<ReferenceGrant | undefined> {
    return TOKEN.test(token) ? this.files.lookup(token) : Promise.resolve(undefined);
  }

  /** Forgets every file, when the files are this host's own (in memory). */
  async close(): Promise<void> {
    if (this.ownsFiles) await this.files.close();
  }

  /**
   * A node:http handler for `/references/<token>/<name>` (also under the base URL's path prefix).
   * Resolves false, without touching the response, for any other path.
   */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const rest = this.referencePath(req.url ?? '/');
    if (rest === undefined) return false;

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
      return true;
    }
    const token = rest.split('/')[0] ?? '';
    const file = rest.split('/').length <= 2 ? await this.resolve(token) : undefined;
    const range = file ? parseRange(req.headers.range, file.size) : undefined;
    const [start, end] = file && range !== 'unsatisfiable' ? (range ?? [0, file.size - 1]) : [0, -1];
    const body = file && range !== 'unsatisfiable' && req.method === 'GET' ? await this.files.read(file, start, end) : undefined;
    if (!file || (req.method === 'GET' && range !== 'unsatisfiable' && !body)) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end('Not found\n');
      return true;
    }

    const headers: Record<string, string | number> = {
      'Content-Type': file.mime,
      'Content-Disposition': `inline; filename="${file.fileName}"`,
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    };
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${file.size}`, 'Content-Length': 0 }).end();
      return true;
    }
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'Content-Length': end - start + 1,
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${file.size}` } : {}),
    });
    if (!body) {
      res.end();
      return true;
    }
    try {
      for await (const piece of body) {
        if (!res.write(piece)) await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
    } catch {
      // The file went while being sent (its job ended) or the client left: cut the response short.
      res.destroy();
    }
    return true;
  }

  /** What follows `/references/` in the request path, or undefined when the path is not ours. */
  private referencePath(requestUrl: string): string | undefined {
    let pathname: string;
    try {
      pathname = new URL(requestUrl, 'http://localhost').pathname;
    } catch {
      return undefined;
    }
    for (const prefix of new Set([`${this.basePath}${PATH_SEGMENT}`, PATH_SEGMENT])) {
      if (pathname.startsWith(prefix)) return pathname.slice(prefix.length);
    }
    return pathname === `${this.basePath}/references` || pathname === '/references' ? '' : undefined;
  }
}

/** A name that is safe in a URL path and a header, with the extension the bytes really have. */
export function safeFileName(name: string, extension: string): string {
  const withoutExtension = name.replace(/\.[^./\\]*$/, '');
  const stem = withoutExtension
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `${stem || 'reference'}.${extension}`;
}

/** A single `bytes=` range; multiple or malformed ranges are ignored (the whole file is sent). */
function parseRange(header: string | undefined, total: number): [number, number] | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [, from = '', to = ''] = match;
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) return 'unsatisfiable';
    return [Math.max(0, total - suffix), total - 1];
  }
  const start = Number(from);
  const end = to === '' ? total - 1 : Math.min(Number(to), total - 1);
  if (start >= total || end < start) return 'unsatisfiable';
  return [start, end];
}
