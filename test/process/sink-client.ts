/** How a child bot process reports to the test's sink (test/process/helpers.ts): one HTTP request per call. */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';

export function sinkClient(sinkUrl: string, botName: string) {
  const sink = new URL(sinkUrl);

  /** One request to the sink; resolves with the status and the body text. */
  function toSink(method: string, path: string, headers: Record<string, string>, body?: string | NodeJS.ReadableStream): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: sink.port, method, path, headers: { 'x-bot': botName, ...headers } }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      if (body === undefined) req.end();
      else if (typeof body === 'string') req.end(body);
      else pipeline(body, req).catch(reject);
    });
  }

  async function sinkJson<T>(method: string, path: string, payload?: unknown): Promise<T> {
    const { status, text } = await toSink(method, path, { 'content-type': 'application/json' }, payload === undefined ? undefined : JSON.stringify(payload));
    if (status !== 200) throw new Error(`sink ${path} answered ${status}: ${text}`);
    return JSON.parse(text) as T;
  }

  return { toSink, sinkJson };
}
