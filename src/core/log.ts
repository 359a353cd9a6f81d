/**
 * Structured logs: one JSON line per event, secrets scrubbed. Every secret value the bot was
 * configured with is replaced wherever it appears (messages, error text, nested fields), and
 * anything shaped like a token or an Authorization header is masked too.
 */
import pino, { type DestinationStream, type Level } from 'pino';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` (a job id, a platform) to every line. */
  child(fields: LogFields): Logger;
  /** Writes out buffered lines now (before the process exits). */
  flush?(): void;
}

export const REDACTED = '[redacted]';

const TOKEN_SHAPES: RegExp[] = [
  /\bxox[abposr]-[A-Za-z0-9-]+/g, // Slack bot, user and app tokens
  /\bxapp-[A-Za-z0-9-]+/g, // Slack app-level tokens
  /\b[A-Za-z0-9_-]{24,}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}/g, // Discord bot tokens
  /\b(Bearer|Bot)\s+[A-Za-z0-9._~+/=-]{8,}/gi, // Authorization header values
];
const SECRET_KEYS = /^(authorization|token|api[_-]?key|apikey|secret|password|signing[_-]?secret|x-slack-signature)$/i;

/** Returns a function that masks the given secret values and token-shaped text in any value. */
export function secretScrubber(secrets: readonly (string | undefined)[]): (value: unknown) => unknown {
  const known = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6).sort((a, b) => b.length - a.length);
  const scrubText = (text: string): string => {
    let out = text;
    for (const secret of known) out = out.split(secret).join(REDACTED);
    for (const shape of TOKEN_SHAPES) out = out.replace(shape, REDACTED);
    return out;
  };
  const scrub = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return scrubText(value);
    if (depth > 6 || value === null || typeof value !== 'object') return value;
    if (value instanceof Error) {
      const fields: LogFields = { type: value.name, message: scrubText(value.message) };
      const code = (value as { code?: unknown }).code;
      if (code !== undefined) fields.code = code;
      if (value.stack) fields.stack = scrubText(value.stack);
      if (value.cause !== undefined) fields.cause = scrub(value.cause, depth + 1);
      return fields;
    }
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
    const out: LogFields = {};
    for (const [key, v] of Object.entries(value)) out[key] = SECRET_KEYS.test(key) && v !== undefined ? REDACTED : scrub(v, depth + 1);
    return out;
  };
  return (value) => scrub(value, 0);
}

export interface LoggerOptions {
  level?: Level | 'silent';
  /** Values that must never be printed: the API key, tokens, the signing secret. */
  secrets?: readonly (string | undefined)[];
  /** Where lines go; standard output by default. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const scrub = secretScrubber(options.secrets ?? []);
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  const base = pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      messageKey: 'event',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const flush = () => {
    try {
      (destination as { flushSync?: () => void }).flushSync?.();
    } catch {
      // not open yet, or already closed: nothing buffered to write
    }
  };
  const wrap = (p: pino.Logger): Logger => {
    const line = (level: 'debug' | 'info' | 'warn' | 'error') => (event: string, fields?: LogFields) => {
      if (!p.isLevelEnabled(level)) return;
      p[level](fields ? (scrub(fields) as LogFields) : {}, scrub(event) as string);
    };
    return {
      debug: line('debug'),
      info: line('info'),
      warn: line('warn'),
      error: line('error'),
      child: (fields) => wrap(p.child(scrub(fields) as LogFields)),
      flush,
    };
  };
  return wrap(base);
}

/** For tests and tools that want no output. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLogger };
