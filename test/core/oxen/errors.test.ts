import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OxenClient } from '../../../src/core/oxen/client.js';
import { errorFromResponse, errorFromTransport, parseErrorBody, parseRetryAfter, sanitizeDetail } from '../../../src/core/oxen/error-mapping.js';
import type { OxenErrorCode } from '../../../src/core/oxen/errors.js';
import { oxenErrorOf } from './helpers.js';

const KEY = 'sk-secret-key-do-not-leak';
const HUB = 'https://hub.example.test';

const typed = (type: string, title: string, detail?: string) =>
  JSON.stringify({ error: { type, title, ...(detail ? { detail } : {}) }, status: 'error', status_message: type });

describe('parseErrorBody', () => {
  it('reads the typed envelope, preferring detail over title', () => {
    expect(parseErrorBody(typed('invalid_params', 'Invalid', 'num_generations must be an integer between 1 and 4'))).toEqual({
      type: 'invalid_params',
      message: 'num_generations must be an integer between 1 and 4',
    });
    expect(parseErrorBody(typed('resource_not_found', 'The requested resource could not be found'))).toEqual({
      type: 'resource_not_found',
      message: 'The requested resource could not be found',
    });
  });

  it('reads {error:{message}}, {error:"text"}, plain text and empty bodies', () => {
    expect(parseErrorBody('{"error":{"message":"Model not found: bad-model-name"}}')).toEqual({ message: 'Model not found: bad-model-name' });
    expect(parseErrorBody('{"error":"Rate limit exceeded"}')).toEqual({ message: 'Rate limit exceeded' });
    expect(parseErrorBody('<html>502 Bad Gateway</html>')).toEqual({ message: '<html>502 Bad Gateway</html>' });
    expect(parseErrorBody('')).toEqual({});
    expect(parseErrorBody('{"status_message":"unknown_error"}')).toEqual({ type: 'unknown_error', message: 'unknown_error' });
  });
});

describe('parseRetryAfter', () => {
  it('reads delta seconds and HTTP dates', () => {
    expect(parseRetryAfter('7')).toBe(7_000);
    expect(parseRetryAfter('1.5')).toBe(1_500);
    const now = Date.parse('2026-08-01T12:00:00Z');
    expect(parseRetryAfter('Sat, 01 Aug 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 01 Aug 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('sanitizeDetail', () => {
  it('removes the key and any bearer token and bounds the length', () => {
    const clean = sanitizeDetail(`bad header Authorization: Bearer ${KEY} for key ${KEY}`, [KEY]);
    expect(clean).not.toContain(KEY);
    expect(clean).toContain('[redacted]');
    expect(sanitizeDetail('x'.repeat(2_000), []).length).toBeLessThanOrEqual(500);
  });
});

describe('errorFromResponse maps status and type to a code', () => {
  const cases: [number, string, OxenErrorCode, string | undefined][] = [
    [401, typed('unauthenticated', 'Unauthenticated'), 'unauthenticated', 'Unauthenticated'],
    [403, '{"error":"Forbidden"}', 'unauthenticated', 'Forbidden'],
    [400, typed('invalid_params', 'Invalid', 'num_generations must be an integer between 1 and 4'), 'invalid_params', 'num_generations must be an integer between 1 and 4'],
    [422, '{"error":"Getting model response error: 422 - Value error, bad"}', 'invalid_params', 'Getting model response error: 422 - Value error, bad'],
    [404, typed('resource_not_found', 'The requested resource could not be found'), 'not_found', 'The requested resource could not be found'],
    [404, '{"error":{"message":"Model not found: nope"}}', 'not_found', 'Model not found: nope'],
    [429, '{"error":"Rate limit exceeded"}', 'rate_limited', 'Rate limit exceeded'],
    [402, 'Payment Required', 'insufficient_credits', 'Payment Required'],
    [400, '{"error":"Insufficient credits"}', 'insufficient_credits', 'Insufficient credits'],
    [403, typed('forbidden', 'Forbidden', 'insufficient_credits: top up your balance'), 'insufficient_credits', 'insufficient_credits: top up your balance'],
    [426, typed('update_required', 'Please update'), 'update_required', 'Please update'],
    [500, typed('unknown_error', 'Internal server error'), 'server', 'Internal server error'],
    [502, '<html>Bad Gateway</html>', 'server', '<html>Bad Gateway</html>'],
    [503, '', 'server', undefined],
    [409, typed('conflict', 'Repository already exists'), 'invalid_params', 'Repository already exists'],
  ];
  it.each(cases)('HTTP %i %s -> %s', (status, bodyText, code, detail) => {
    const error = errorFromResponse({ status, bodyText, operation: 'test', secrets: [KEY] });
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.detail).toBe(detail);
    expect(error.message).toContain(`HTTP ${status}`);
  });

  it('keeps Retry-After only for rate limiting', () => {
    expect(errorFromResponse({ status: 429, bodyText: '', retryAfter: '3', operation: 't', secrets: [] }).retryAfterMs).toBe(3_000);
    expect(errorFromResponse({ status: 503, bodyText: '', retryAfter: '3', operation: 't', secrets: [] }).retryAfterMs).toBeUndefined();
  });

  it('never echoes the key a server reflected back', () => {
    const error = errorFromResponse({ status: 401, bodyText: `{"error":"invalid key ${KEY}"}`, operation: 't', secrets: [KEY] });
    expect(error.message).not.toContain(KEY);
    expect(error.detail).not.toContain(KEY);
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(KEY);
  });
});

describe('errorFromTransport', () => {
  const withCode = (code: string) => Object.assign(new Error(`failed ${code}`), { code });
  it('marks a refused connection as not delivered, and a reset as delivered', () => {
    expect(errorFromTransport(withCode('ECONNREFUSED'), 'enqueue', [])).toMatchObject({ code: 'network', notDelivered: true });
    expect(errorFromTransport(withCode('ECONNRESET'), 'enqueue', [])).toMatchObject({ code: 'network', notDelivered: false });
    expect(errorFromTransport(withCode('UND_ERR_SOCKET'), 'enqueue', [])).toMatchObject({ code: 'network', notDelivered: false });
  });
  it('finds codes inside causes and AggregateErrors', () => {
    const nested = new Error('fetch failed', { cause: new AggregateError([withCode('ECONNREFUSED')]) });
    expect(errorFromTransport(nested, 'x', [])).toMatchObject({ code: 'network', notDelivered: true });
    expect(errorFromTransport(withCode('UND_ERR_HEADERS_TIMEOUT'), 'x', []).code).toBe('timeout');
  });
});

describe('the client surfaces every envelope as a typed error (MockAgent)', () => {
  let agent: MockAgent;
  let client: OxenClient;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    client = new OxenClient({ baseUrl: HUB, apiKey: KEY, dispatcher: agent, retry: { maxAttempts: 1 } });
  });
  afterEach(async () => {
    await agent.close();
  });

  const replies: [string, number, string, Record<string, string>, OxenErrorCode][] = [
    ['typed 401', 401, typed('unauthenticated', 'Unauthenticated'), {}, 'unauthenticated'],
    ['typed 404', 404, typed('resource_not_found', 'The requested resource could not be found'), {}, 'not_found'],
    ['model-not-found 404', 404, '{"error":{"message":"Model not found: x"}}', {}, 'not_found'],
    ['string 429 with an HTTP date', 429, '{"error":"Rate limit exceeded"}', { 'retry-after': new Date(Date.now() + 60_000).toUTCString() }, 'rate_limited'],
    ['plain-text 502', 502, 'Bad Gateway', { 'content-type': 'text/plain' }, 'server'],
    ['402', 402, '{"error":"Insufficient credits"}', {}, 'insufficient_credits'],
    ['typed 400', 400, typed('invalid_params', 'Invalid parameters'), {}, 'invalid_params'],
  ];
  it.each(replies)('%s', async (_name, status, body, headers, code) => {
    agent.get(HUB).intercept({ path: '/api/ai/queue/abc', method: 'GET' }).reply(status, body, { headers });
    const error = await oxenErrorOf(client.getGeneration('abc'));
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    if (code === 'rate_limited') expect(error.retryAfterMs).toBeGreaterThan(50_000);
  });

  it('calls a 2xx that is not JSON a bad response', async () => {
    agent.get(HUB).intercept({ path: '/api/ai/queue/abc', method: 'GET' }).reply(200, 'ok, sure');
    expect((await oxenErrorOf(client.getGeneration('abc'))).code).toBe('bad_response');
  });

  it('calls a 2xx of the wrong shape a bad response', async () => {
    agent.get(HUB).intercept({ path: '/api/ai/queue/abc', method: 'GET' }).reply(200, { generation_id: 'abc', status: 'exploded' });
    const error = await oxenErrorOf(client.getGeneration('abc'));
    expect(error.code).toBe('bad_response');
    expect(error.message).toContain('status');
  });

  it('maps a transport failure to network and keeps the key out of it', async () => {
    agent
      .get(HUB)
      .intercept({ path: '/api/ai/queue/abc', method: 'GET' })
      .replyWithError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    const error = await oxenErrorOf(client.getGeneration('abc'));
    expect(error.code).toBe('network');
    expect(error.notDelivered).toBe(false);
    expect(`${error.message} ${error.detail ?? ''}`).not.toContain(KEY);
  });
});
