/**
 * The reference files of an enqueue body, fetched the way Oxen fetches them: over HTTP from the
 * bot's self host (its public host, bot.example.com, stands for this loopback server).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SelfReferenceHost } from '../../src/core/references/self-host.js';

export async function fetchEnqueuedReferences(host: SelfReferenceHost, body: Record<string, unknown>): Promise<Record<string, Uint8Array[]>> {
  const server = createServer((req, res) => {
    void host.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const fetched: Record<string, Uint8Array[]> = {};
    for (const field of ['input_images', 'input_videos', 'input_audios']) {
      const urls = (body[field] as string[] | undefined) ?? [];
      fetched[field] = await Promise.all(
        urls.map(async (url) => {
          const answer = await fetch(origin + new URL(url).pathname + new URL(url).search);
          if (!answer.ok) throw new Error(`${url}: ${answer.status}`);
          return new Uint8Array(await answer.arrayBuffer());
        }),
      );
    }
    return fetched;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}
