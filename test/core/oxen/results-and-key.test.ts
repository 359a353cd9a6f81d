import { readFile } from 'node:fs/promises';
import { MockAgent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_USER_AGENT, OxenClient } from '../../../src/core/oxen/client.js';
import type { ResultStream } from '../../../src/core/oxen/client.js';
import { startFakeOxen, type FakeOxen, type ResultMode } from '../../fakes/oxen/index.js';
import { clientFor, oxenErrorOf, PROMPT } from './helpers.js';

const MODEL = 'bytedance-seedance-2-0-text-to-video';
const CLIP = new Uint8Array(await readFile(new URL('../../fixtures/media/clip3s.mp4', import.meta.url)));

let fake: FakeOxen | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function succeededResult(resultMode: ResultMode): Promise<{ oxen: FakeOxen; client: OxenClient; resultUrl: string }> {
  fake = await startFakeOxen({ timing: 'manual', resultMode });
  const client = clientFor(fake);
  const [id] = await client.enqueue({ model: MODEL, prompt: PROMPT });
  fake.complete(id as string);
  const { result_url } = await client.getGeneration(id as string);
  return { oxen: fake, client, resultUrl: result_url as string };
}

async function bytesOf(result: ResultStream): Promise<Uint8Array> {
  return new Uint8Array(await result.body.arrayBuffer());
}

describe('openResult keeps the API key on the hub', () => {
  it('downloads a result on another origin without sending the key', async () => {
    const { oxen, client, resultUrl } = await succeededResult('other-origin');
    const result = await client.openResult(resultUrl);
    expect(await bytesOf(result)).toEqual(CLIP);
    expect(result).toMatchObject({ contentType: 'video/mp4', contentLength: CLIP.byteLength });
    expect(oxen.results.requests).toHaveLength(1);
    expect(oxen.results.sawAuthorization()).toBe(false);
    expect(oxen.results.requests[0]?.headers['user-agent']).toBe(DEFAULT_USER_AGENT);
  });

  it('sends the key for a result on the hub itself', async () => {
    const { oxen, client, resultUrl } = await succeededResult('same-origin');
    expect(new URL(resultUrl).origin).toBe(oxen.url);
    const result = await client.openResult(resultUrl);
    expect(await bytesOf(result)).toEqual(CLIP);
    expect(oxen.requestsTo('repoFile')[0]?.headers.authorization).toBe(`Bearer ${oxen.apiKey}`);
  });

  it('follows a redirect from the hub to another origin, dropping the key there', async () => {
    const { oxen, client, resultUrl } = await succeededResult('redirect');
    const result = await client.openResult(resultUrl);
    expect(await bytesOf(result)).toEqual(CLIP);
    expect(result.url.startsWith(oxen.resultsUrl)).toBe(true);
    expect(oxen.requestsTo('repoFile')[0]?.headers.authorization).toBe(`Bearer ${oxen.apiKey}`);
    expect(oxen.results.requests).toHaveLength(1);
    expect(oxen.results.sawAuthorization()).toBe(false);
  });

  it('resolves a hub path relative to the base URL', async () => {
    const { client, resultUrl } = await succeededResult('same-origin');
    const result = await client.openResult(new URL(resultUrl).pathname);
    expect(await bytesOf(result)).toEqual(CLIP);
  });

  it('reports an expired or missing result as a typed error', async () => {
    const { client, oxen } = await succeededResult('other-origin');
    const error = await oxenErrorOf(client.openResult(`${oxen.resultsUrl}/nothing-here`));
    expect(error).toMatchObject({ code: 'not_found', status: 404 });
  });
});

describe('openResult redirects (MockAgent)', () => {
  const HUB = 'https://hub.example.test';
  const OTHER = 'https://storage.example.test';
  let agent: MockAgent | undefined;
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
  });

  it('never sends the key to another origin, even when redirected back and forth', async () => {
    agent = new MockAgent();
    agent.disableNetConnect();
    const seen: { origin: string; authorization: string | undefined }[] = [];
    const record = (origin: string) => (options: { headers?: unknown }) => {
      const headers = (options.headers ?? {}) as Record<string, string>;
      seen.push({ origin, authorization: headers.authorization });
    };
    agent
      .get(HUB)
      .intercept({ path: '/api/repos/u/r/file/main/out.mp4', method: 'GET' })
      .reply((opts) => {
        record(HUB)(opts);
        return { statusCode: 302, data: '', responseOptions: { headers: { location: `${OTHER}/hop` } } };
      });
    agent
      .get(OTHER)
      .intercept({ path: '/hop', method: 'GET' })
      .reply((opts) => {
        record(OTHER)(opts);
        return { statusCode: 307, data: '', responseOptions: { headers: { location: `${OTHER}/final.mp4` } } };
      });
    agent
      .get(OTHER)
      .intercept({ path: '/final.mp4', method: 'GET' })
      .reply((opts) => {
        record(OTHER)(opts);
        return { statusCode: 200, data: 'video-bytes', responseOptions: { headers: { 'content-type': 'video/mp4' } } };
      });
    const client = new OxenClient({ baseUrl: HUB, apiKey: 'sk-secret', dispatcher: agent });
    const result = await client.openResult(`${HUB}/api/repos/u/r/file/main/out.mp4`);
    expect(await result.body.text()).toBe('video-bytes');
    expect(seen).toEqual([
      { origin: HUB, authorization: 'Bearer sk-secret' },
      { origin: OTHER, authorization: undefined },
      { origin: OTHER, authorization: undefined },
    ]);
  });

  it('gives up after 5 redirects', async () => {
    agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get(OTHER)
      .intercept({ path: '/loop', method: 'GET' })
      .reply(302, '', { headers: { location: `${OTHER}/loop` } })
      .times(10);
    const client = new OxenClient({ baseUrl: HUB, apiKey: 'sk-secret', dispatcher: agent, retry: { maxAttempts: 1 } });
    const error = await oxenErrorOf(client.openResult(`${OTHER}/loop`));
    expect(error.code).toBe('bad_response');
    expect(error.message).toContain('more than 5');
  });
});

describe('User-Agent', () => {
  it('never contains "oxen" on any request', async () => {
    const { oxen, client, resultUrl } = await succeededResult('other-origin');
    await client.listQueue();
    (await client.openResult(resultUrl)).body.destroy();
    const agents = [...oxen.requests, ...oxen.results.requests].map((r) => String(r.headers['user-agent']));
    expect(agents.length).toBeGreaterThan(3);
    for (const ua of agents) {
      expect(ua).toBe(DEFAULT_USER_AGENT);
      expect(ua.toLowerCase()).not.toContain('oxen');
    }
  });

  it.each(['oxen-slack-bot/1.0', 'seedance (OXEN client)', 'Oxen/0.1'])('refuses %s at construction', (userAgent) => {
    expect(() => new OxenClient({ apiKey: 'k', userAgent })).toThrow(expect.objectContaining({ code: 'update_required' }));
  });

  it('is what the hub gates on: an "oxen" agent gets 426', async () => {
    fake = await startFakeOxen({ timing: 'manual' });
    const response = await request(`${fake.url}/api/ai/queue`, {
      headers: { authorization: `Bearer ${fake.apiKey}`, 'user-agent': 'oxen-slack-bot/1.0' },
    });
    expect(response.statusCode).toBe(426);
    expect(await response.body.json()).toMatchObject({ error: { type: 'update_required' } });
  });
});

describe('the API key', () => {
  it('is required, and a bad base URL is refused, at construction', () => {
    expect(() => new OxenClient({ apiKey: '  ' })).toThrow(expect.objectContaining({ code: 'unauthenticated' }));
    expect(() => new OxenClient({ apiKey: 'k', baseUrl: 'ftp://hub.example' })).toThrow(expect.objectContaining({ code: 'invalid_params' }));
    expect(new OxenClient({ apiKey: 'k', baseUrl: 'https://hub.example/' }).baseUrl).toBe('https://hub.example');
  });

  it('stays out of every error the client throws', async () => {
    fake = await startFakeOxen({ timing: 'manual' });
    const client = clientFor(fake, { retry: { maxAttempts: 1 }, timeouts: { requestMs: 100 } });
    fake.failNext(1, { status: 500, body: `upstream rejected Authorization: Bearer ${fake.apiKey}` });
    fake.failNext(1, { status: 400, body: { error: { type: 'invalid_params', title: 'x', detail: `key ${fake.apiKey} is odd` } } });
    fake.hangNext(1);
    fake.destroyNext(1);
    const errors = [
      await oxenErrorOf(client.listQueue()),
      await oxenErrorOf(client.listQueue()),
      await oxenErrorOf(client.listQueue()),
      await oxenErrorOf(client.listQueue()),
    ];
    expect(errors.map((e) => e.code)).toEqual(['server', 'invalid_params', 'timeout', 'network']);
    for (const error of errors) {
      expect(`${error.message}|${error.detail ?? ''}|${String(error.stack)}`).not.toContain(fake.apiKey);
    }
  });
});
