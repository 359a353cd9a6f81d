/**
 * The fake Oxen in its own process, so the engine's memory and event-loop figures are its own.
 * Timing is manual: on `schedule`, every active generation gets a processing moment and a
 * completion moment spread uniformly over the window; completions go out on the event stream.
 * Driven over IPC by bench/lib.ts (startFakeProcess).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startFakeOxen } from '../test/fakes/oxen/index.js';
import { loopDelay, type FakeMessage, type ParentMessage } from './lib.js';

const send = (message: FakeMessage) => process.send?.(message);
const clock = () => performance.timeOrigin + performance.now();

const fake = await startFakeOxen({ timing: 'manual', recordRequests: false, keepAliveMs: 15_000 });
const completedAt: Record<string, number> = {};
let events: { at: number; id: string; kind: 'start' | 'complete' }[] = [];
let next = 0;
let timer: NodeJS.Timeout | undefined;
// The fake's own event-loop delay from the schedule on: when it is busy (building a listing),
// events and result downloads wait, and that wait is counted as the bot's latency.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

function runDue(): void {
  const now = clock();
  while (next < events.length && events[next]!.at <= now) {
    const event = events[next++]!;
    const g = fake.generations.get(event.id);
    if (!g || (g.status !== 'queued' && g.status !== 'processing')) continue;
    if (event.kind === 'start') {
      if (g.status === 'queued') fake.advance(event.id);
    } else {
      completedAt[event.id] = clock();
      fake.complete(event.id);
    }
  }
}

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'schedule': {
      const start = clock() + message.delayMs;
      events = [];
      next = 0;
      for (const [id, g] of fake.generations) {
        if (g.status !== 'queued' && g.status !== 'processing') continue;
        const done = start + Math.random() * message.spreadMs;
        events.push({ at: start + Math.random() * (done - start), id, kind: 'start' }, { at: done, id, kind: 'complete' });
      }
      events.sort((a, b) => a.at - b.at);
      timer ??= setInterval(runDue, 10);
      loop.reset();
      send({ type: 'scheduled', count: events.length / 2 });
      break;
    }
    case 'stats':
      send({
        type: 'stats',
        counts: fake.requestCounts(),
        completedAt,
        generations: fake.generations.size,
        loop: loopDelay(loop),
      });
      break;
    case 'close':
      if (timer) clearInterval(timer);
      void fake.close().then(() => process.exit(0));
      break;
  }
});

send({ type: 'ready', url: fake.url, apiKey: fake.apiKey });
