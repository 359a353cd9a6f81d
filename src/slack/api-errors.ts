/**
 * Slack Web API failures as data: the `error` string Slack answered with (`not_in_channel`,
 * `missing_scope`…) and, for a missing scope, which one. Adapter errors carry stable codes
 * (`slack.not_in_channel`, `slack.missing_scope`) that sentences.ts turns into text.
 */
import { BotError } from '../core/errors.js';

export interface SlackFailure {
  /** Slack's error string, or `http_<status>`, or `request_failed`. */
  error: string;
  /** For missing_scope: the scope Slack said was needed. */
  needed?: string;
}

/** Reads a @slack/web-api error (platform error, HTTP error, rate limit) into a SlackFailure. */
export function slackFailureOf(error: unknown): SlackFailure {
  if (error && typeof error === 'object') {
    const data = (error as { data?: { error?: unknown; needed?: unknown } }).data;
    if (data && typeof data.error === 'string') {
      return { error: data.error, ...(typeof data.needed === 'string' ? { needed: data.needed } : {}) };
    }
    const code = (error as { code?: unknown }).code;
    if (code === 'slack_webapi_rate_limited_error') return { error: 'ratelimited' };
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number') return { error: `http_${status}` };
    if (error instanceof SlackAdapterError) return error.failure;
  }
  return { error: 'request_failed' };
}

export type SlackErrorCode = 'slack.not_in_channel' | 'slack.missing_scope' | 'slack.api_error' | 'slack.upload_failed';

/** An adapter error with a stable code and the Slack failure behind it. */
export class SlackAdapterError extends BotError<SlackErrorCode> {
  constructor(
    code: SlackErrorCode,
    readonly failure: SlackFailure,
    options?: { cause?: unknown },
  ) {
    super(code, `Slack refused: ${failure.error}${failure.needed ? ` (needs ${failure.needed})` : ''}`, options);
    this.name = 'SlackAdapterError';
  }
}

/** The SlackAdapterError for a failed call. */
export function adapterErrorOf(error: unknown): SlackAdapterError {
  if (error instanceof SlackAdapterError) return error;
  const failure = slackFailureOf(error);
  const code: SlackErrorCode =
    failure.error === 'not_in_channel' || failure.error === 'channel_not_found'
      ? 'slack.not_in_channel'
      : failure.error === 'missing_scope'
        ? 'slack.missing_scope'
        : 'slack.api_error';
  return new SlackAdapterError(code, failure, { cause: error });
}

export const isNotInChannel = (failure: SlackFailure) => failure.error === 'not_in_channel' || failure.error === 'channel_not_found';
