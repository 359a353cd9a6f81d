/**
 * Serves references from the bot's own HTTP server, at
 * `${PUBLIC_BASE_URL}/references/<token>/<file name>`, until they expire or the job releases them.
 *
 * Files are kept in memory, not on disk: the bytes are already in memory once downloaded, they
 * are needed only until Oxen has fetched them (minutes to a few hours), and nothing is left behind
 * on disk after a crash or for an operator to clean. The cost is that a restart loses them (a job
 * still queued at Oxen then fails to fetch its references, and is reported as failed) and that
 * memory is bounded by `maxStoredBytes`, beyond which hosting is refused with `storage_full` so the
 * caller can fall back to another host. A directory would not help several instances either: the
 * URL must reach the instance that holds the file, whichever storage it uses.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ReferenceNotHostableError } from './host-errors.js';
import type { HostedReference, Reference, ReferenceHost } from './types.js';

export interface SelfReferenceHostOptions {
  /** Public address of the bot's HTTP server, e.g. https://bot.example.com (a path prefix is kept). */
  publicBaseUrl: string;
  /** How long a URL stays valid; at least the lifetime each `host` call asks for. Default 2 h. */
  ttlMs?: number;
  /** Memory budget for all hosted files together. Default 1 GiB. */
  maxStoredBytes?: number;
  /** How often expired files are dropped; 0 turns the timer off (call `sweep` yourself). Default 60 s. */
  sweepIntervalMs?: number;
  now?: () => number;
}

export interface ResolvedFile {
  bytes: Uint8Array;
  mime: string;
  fileName: string;
}

interface StoredFile extends ResolvedFile {
  jobId: string;
  expiresAt: number;
}

export const DEFAULT_SELF_HOST_TTL_MS = 2 * 60 * 60 * 1000;
export const DEFAULT_SELF_HOST_MAX_BYTES = 1024 * 1024 * 1024;

const PATH_SEGMENT = '/references/';
/** 32 random bytes in base64url. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export class SelfReferenceHost implements ReferenceHost {
  readonly kind = 'self' as const;
  private readonly files = new Map<string, StoredFile>();
  private storedBytes = 0;
  private readonly baseUrl: string;
  private readonly basePath: string;
  private readonly ttlMs: number;
  private readonly maxStoredBytes: number;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout | undefined;

  constructor(options: SelfReferenceHostOptions) {
    const base = new URL(options.publicBaseUrl);
    this.baseUrl = base.href.replace(/\/+$/, '');
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.ttlMs = options.ttlMs ?? DEFAULT_SELF_HOST_TTL_MS;
    this.maxStoredBytes = options.maxStoredBytes ?? DEFAULT_SELF_HOST_MAX_BYTES;
    this.now = options.now ?? Date.now;
    const interval = options.sweepIntervalMs ?? 60_000;
    this.sweeper = interval > 0 ? setInterval(() => this.sweep(), interval).unref() : undefined;
  }

  async host(reference: Reference, options: { jobId: string; minLifetimeMs: number }): Promise<HostedReference> {
    const size = reference.bytes.byteLength;
    if (this.storedBytes + size > this.maxStoredBytes) this.sweep();
    if (this.storedBytes + size > this.maxStoredBytes) {
      throw new ReferenceNotHostableError(
        'storage_full',
        reference.name,
        `self-hosted references would exceed ${this.maxStoredBytes} bytes`,
      );
    }
    const token = randomBytes(32).toString('base64url');
    const fileName = safeFileName(reference.name, reference.extension);
    const expiresAt = this.now() + Math.max(this.ttlMs, options.minLifetimeMs);
    this.files.set(token, { bytes: reference.bytes, mime: reference.mime, fileName, jobId: options.jobId, expiresAt });
    this.storedBytes += size;
    return { url: `${this.baseUrl}${PATH_SEGMENT}${token}/${encodeURIComponent(fileName)}`, expiresAt: new Date(expiresAt) };
  }

  async release(jobId: string): Promise<void> {
    for (const [token, file] of this.files) if (file.jobId === jobId) this.drop(token, file);
  }

  /** The file behind a token; undefined when unknown, expired or released. */
  resolve(token: string): ResolvedFile | undefined {
    const file = this.files.get(token);
    if (!file) return undefined;
    if (file.expiresAt <= this.now()) {
      this.drop(token, file);
      return undefined;
    }
    return { bytes: file.bytes, mime: file.mime, fileName: file.fileName };
  }

  /** Drops expired files; returns how many. */
  sweep(): number {
    const now = this.now();
    let dropped = 0;
    for (const [token, file] of this.files) {
      if (file.expiresAt <= now) {
        this.drop(token, file);
        dropped++;
      }
    }
    return dropped;
  }

  /** Stops the sweep timer and forgets every file. */
  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.files.clear();
    this.storedBytes = 0;
  }

  /**
   * A node:http handler for `/references/<token>/<name>` (also under the base URL's path prefix).
   * Returns false, without touching the response, for any other path.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const rest = this.referencePath(req.url ?? '/');
    if (rest === undefined) return false;

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
      return true;
    }
    const token = rest.split('/')[0] ?? '';
    const file = TOKEN.test(token) && rest.split('/').length <= 2 ? this.resolve(token) : undefined;
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end('Not found\n');
      return true;
    }

    const total = file.bytes.byteLength;
    const range = parseRange(req.headers.range, total);
    const headers: Record<string, string | number> = {
      'Content-Type': file.mime,
      'Content-Disposition': `inline; filename="${file.fileName}"`,
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    };
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${total}`, 'Content-Length': 0 }).end();
      return true;
    }
    const [start, end] = range ?? [0, total - 1];
    const body = file.bytes.subarray(start, end + 1);
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'Content-Length': body.byteLength,
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${total}` } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
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

  private drop(token: string, file: StoredFile): void {
    if (this.files.delete(token)) this.storedBytes -= file.bytes.byteLength;
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
