/**
 * Errors are data: every error the core raises carries a stable `code`, so adapters and logs
 * can act on it without parsing messages. Messages never contain secrets.
 */
export class BotError<C extends string = string> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BotError';
    this.code = code;
  }
}

export function isBotError(error: unknown): error is BotError {
  return error instanceof BotError;
}
