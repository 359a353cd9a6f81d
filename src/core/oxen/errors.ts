/**
 * Typed failures of the Oxen API. The code says what happened; adapters turn it into advice.
 *
 * Beyond the eight codes every caller handles, two more are kept apart on purpose:
 * - `update_required`: the hub answered 426 because the User-Agent looked like the Oxen CLI. That
 *   is our bug, never the user's, and retrying cannot help.
 * - `bad_response`: a 2xx whose body is not what the API documents (not JSON, wrong shape, an
 *   empty `generations` list, too many redirects). Oxen accepted the call, so it is not `server`,
 *   and for an enqueue the job may or may not exist: the caller must reconcile, not retry.
 */
import { BotError } from '../errors.js';

export const OXEN_ERROR_CODES = [
  'unauthenticated',
  'invalid_params',
  'not_found',
  'rate_limited',
  'insufficient_credits',
  'server',
  'network',
  'timeout',
  'update_required',
  'bad_response',
] as const;
export type OxenErrorCode = (typeof OXEN_ERROR_CODES)[number];

export interface OxenErrorFields {
  /** HTTP status, when the server answered. */
  status?: number;
  /** From Retry-After, for `rate_limited`. */
  retryAfterMs?: number;
  /** The server's own explanation, sanitised (never contains the API key). */
  detail?: string;
  /**
   * True when the request certainly never reached the server (the connection was refused), so
   * even a non-idempotent POST may be sent again.
   */
  notDelivered?: boolean;
  cause?: unknown;
}

export class OxenError extends BotError<OxenErrorCode> {
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly detail?: string;
  readonly notDelivered: boolean;

  constructor(code: OxenErrorCode, message: string, fields: OxenErrorFields = {}) {
    super(code, message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'OxenError';
    if (fields.status !== undefined) this.status = fields.status;
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs;
    if (fields.detail !== undefined) this.detail = fields.detail;
    this.notDelivered = fields.notDelivered ?? false;
  }
}

export function isOxenError(error: unknown): error is OxenError {
  return error instanceof OxenError;
}
