/** Reading 2xx bodies: JSON checked against the wire schemas, and the empty-enqueue case. */
import type { z } from 'zod';
import { OxenError } from './errors.js';
import { mentionsInsufficientCredits, parseErrorBody, sanitizeDetail } from './error-mapping.js';

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

export const ignoreBody = (): undefined => undefined;

export function jsonOf<T>(schema: z.ZodType<T>, operation: string): (text: string) => T {
  return (text) => parseJson(text, schema, operation);
}

export function parseJson<T>(text: string, schema: z.ZodType<T>, operation: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new OxenError('bad_response', `Oxen ${operation} answered with a body that is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new OxenError('bad_response', `Oxen ${operation} answered with an unexpected shape at ${where}`);
  }
  return parsed.data;
}

/** An enqueue answered 2xx without generations: say why when the body does. */
export function emptyEnqueueError(response: unknown, secrets: readonly string[]): OxenError {
  const said = parseErrorBody(JSON.stringify(response)).message;
  const detail = said === undefined ? undefined : sanitizeDetail(said, secrets);
  const code = detail !== undefined && mentionsInsufficientCredits(detail) ? 'insufficient_credits' : 'bad_response';
  return new OxenError(code, `Oxen accepted the enqueue but returned no generations${detail ? `: ${detail}` : ''}`, {
    status: 200,
    ...(detail !== undefined ? { detail } : {}),
  });
}
