/**
 * Turns what the wire gave us (an error status and body, or a transport failure) into an
 * OxenError. Every envelope Oxen is known to use is read defensively:
 *   {error:{type,title,detail?},status:"error",status_message}   (documented)
 *   {error:{message:"Model not found: x"}}                         (documented)
 *   {error:"<string>"}                                             (seen in clients)
 *   plain text or HTML                                             (proxies, gateways)
 */
import { OxenError, type OxenErrorCode } from './errors.js';

const MAX_DETAIL_CHARS = 500;
const INSUFFICIENT_CREDITS = /insufficient[\s_-]*(credits?|funds|balance)/i;

export interface ErrorBody {
  /** Machine type such as `invalid_params`, when the envelope has one. */
  type?: string;
  /** The most specific human text the envelope offers. */
  message?: string;
}

export function parseErrorBody(text: string): ErrorBody {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { message: trimmed };
  }
  if (!isRecord(parsed)) return typeof parsed === 'string' ? { message: parsed } : {};
  const { error } = parsed;
  const statusMessage = stringOr(parsed.status_message);
  if (typeof error === 'string') return withoutUndefined({ type: statusMessage, message: error });
  if (isRecord(error)) {
    const type = stringOr(error.type) ?? statusMessage;
    const message = stringOr(error.detail) ?? stringOr(error.message) ?? stringOr(error.title) ?? type;
    return withoutUndefined({ type, message });
  }
  const message = stringOr(parsed.message) ?? stringOr(parsed.detail) ?? statusMessage;
  return withoutUndefined({ type: statusMessage, message });
}

/** Removes every secret (and anything shaped like a bearer token) and bounds the length. */
export function sanitizeDetail(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) {
    if (secret.length > 0) clean = clean.split(secret).join('[redacted]');
  }
  clean = clean.replace(/Bearer\s+[^\s"',;]+/gi, 'Bearer [redacted]').replace(/\s+/g, ' ').trim();
  return clean.length > MAX_DETAIL_CHARS ? `${clean.slice(0, MAX_DETAIL_CHARS - 1)}…` : clean;
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

export interface ErrorResponse {
  status: number;
  bodyText: string;
  retryAfter?: string | undefined;
  /** What was being done, for the message: "enqueue", "get generation", ... */
  operation: string;
  secrets: readonly string[];
  nowMs?: number;
}

export function errorFromResponse(response: ErrorResponse): OxenError {
  const { status, operation } = response;
  const body = parseErrorBody(response.bodyText);
  const detail = body.message === undefined ? undefined : sanitizeDetail(body.message, response.secrets);
  const code = codeFor(status, body, response.bodyText);
  const retryAfterMs = code === 'rate_limited' ? parseRetryAfter(response.retryAfter, response.nowMs) : undefined;
  const suffix = detail ? `: ${detail}` : '';
  return new OxenError(code, `Oxen ${operation} failed with HTTP ${status} (${code})${suffix}`, {
    status,
    ...(detail !== undefined ? { detail } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

export function mentionsInsufficientCredits(text: string): boolean {
  return INSUFFICIENT_CREDITS.test(text);
}

function codeFor(status: number, body: ErrorBody, rawText: string): OxenErrorCode {
  const type = body.type?.toLowerCase();
  if (status === 429) return 'rate_limited';
  if (status === 402 || INSUFFICIENT_CREDITS.test(body.message ?? '') || INSUFFICIENT_CREDITS.test(rawText)) {
    return 'insufficient_credits';
  }
  if (status === 401 || status === 403 || type === 'unauthenticated') return 'unauthenticated';
  if (status === 426 || type === 'update_required') return 'update_required';
  if (status === 404 || type === 'resource_not_found') return 'not_found';
  if (status >= 500) return 'server';
  // Every other 4xx (400, 409, 413, 415, 422, ...) means "not like this": do not retry as is.
  return 'invalid_params';
}

/** Error codes of connection attempts that never got as far as sending a byte of the request. */
const NOT_DELIVERED_CODES = new Set(['ECONNREFUSED']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/** A failure below HTTP: refused, reset, DNS, TLS, undici's own timeouts. */
export function errorFromTransport(error: unknown, operation: string, secrets: readonly string[]): OxenError {
  if (error instanceof OxenError) return error;
  const codes = transportCodes(error);
  const what = codes[0] ?? (error instanceof Error ? error.name : 'unknown error');
  if (codes.some((c) => TIMEOUT_CODES.has(c))) {
    return new OxenError('timeout', `Oxen ${operation} timed out (${what})`, { cause: error });
  }
  const notDelivered = codes.some((c) => NOT_DELIVERED_CODES.has(c));
  const reason = error instanceof Error ? sanitizeDetail(error.message, secrets) : what;
  return new OxenError('network', `Could not reach Oxen for ${operation} (${what}): ${reason}`, {
    cause: error,
    notDelivered,
  });
}

/** Error codes found on the error, its causes and, for AggregateError, its members. */
function transportCodes(error: unknown, depth = 0): string[] {
  if (!isRecord(error) || depth > 4) return [];
  const own = typeof error.code === 'string' ? [error.code] : [];
  const members = Array.isArray(error.errors) ? error.errors.flatMap((e: unknown) => transportCodes(e, depth + 1)) : [];
  return [...own, ...members, ...transportCodes(error.cause, depth + 1)];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function withoutUndefined(body: { type?: string | undefined; message?: string | undefined }): ErrorBody {
  const result: ErrorBody = {};
  if (body.type !== undefined) result.type = body.type;
  if (body.message !== undefined) result.message = body.message;
  return result;
}
