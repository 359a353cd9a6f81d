/** A loopback proxy to the real Redis (127.0.0.1:6379) that can go silent (bytes stop, connections stay) or away: an outage staged without touching the shared Redis. */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface RedisProxy {
  url: string;
  silent(): void;
  away(): void;
  /** Open again after away(): new connections reach Redis (a silent one's bytes are lost, so go away first). */
  back(): void;
  close(): Promise<void>;
}

export async function redisProxy(): Promise<RedisProxy> {
  let mode: 'open' | 'silent' | 'away' = 'open';
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    if (mode === 'away') return void client.destroy();
    const upstream = connect(6379, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    for (const [from, to] of [pair, [upstream, client] as const]) {
      from.on('data', (chunk) => mode === 'open' && to.write(chunk));
      from.on('error', () => undefined);
      from.on('close', () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    for (const [a, b] of pairs) a.destroy(), b.destroy();
  };
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    silent: () => void (mode = 'silent'),
    away: () => {
      mode = 'away';
      cut();
    },
    back: () => void (mode = 'open'),
    close: async () => {
      cut();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
