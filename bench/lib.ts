/** Shared pieces of the benchmarks: the fake Oxen in a child process, a counting port, samplers. */
import { fork, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { GenerationRecord, JobRecord } from '../src/core/jobs/job.js';
import type { JobView, PlatformPort, UploadOutcome, VideoFile } from '../src/core/jobs/ports.js';
import { DEFAULT_OPTIONS } from '../src/core/request.js';
import type { SubmitInput } from '../src/core/service.js';

export type ParentMessage = { type: 'schedule'; delayMs: number; spreadMs: number } | { type: 'stats' } | { type: 'close' };
export type FakeMessage =
  | { type: 'ready'; url: string; apiKey: string }
  | { type: 'scheduled'; count: number }
  | { type: 'stats'; counts: Record<string, number>; completedAt: Record<string, number>; generations: number; loop: { p50: number; p99: number; max: number } };

/** Wall clock in ms with sub-ms precision, comparable across processes. */
export const clock = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FakeProcess {
  url: string;
  apiKey: string;
  schedule(delayMs: number, spreadMs: number): Promise<number>;
  stats(): Promise<Extract<FakeMessage, { type: 'stats' }>>;
  close(): Promise<void>;
}

export async function startFakeProcess(): Promise<FakeProcess> {
  const child: ChildProcess = fork(new URL('./fake-oxen-process.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters: ((m: FakeMessage) => void)[] = [];
  child.on('message', (m: FakeMessage) => waiters.shift()?.(m));
  const next = <T extends FakeMessage['type']>(type: T) =>
    new Promise<Extract<FakeMessage, { type: T }>>((resolve, reject) => {
      waiters.push((m) => (m.type === type ? resolve(m as Extract<FakeMessage, { type: T }>) : reject(new Error(`unexpected ${m.type}`))));
    });
  const ready = await next('ready');
  return {
    url: ready.url,
    apiKey: ready.apiKey,
    async schedule(delayMs, spreadMs) {
      const answer = next('scheduled');
      child.send({ type: 'schedule', delayMs, spreadMs } satisfies ParentMessage);
      return (await answer).count;
    },
    async stats() {
      const answer = next('stats');
      child.send({ type: 'stats' } satisfies ParentMessage);
      return answer;
    },
    async close() {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'close' } satisfies ParentMessage);
      await exited;
    },
  };
}

/** A PlatformPort that reads every upload to the last byte and notes when, keeping no bytes. */
export class CountingPort implements PlatformPort {
  readonly platform = 'discord' as const;
  readonly uploadedAt = new Map<string, number>();
  statusEdits = 0;
  links = 0;
  bytes = 0;
  private threads = 0;

  async openThread(_job: JobRecord, _view: JobView) {
    this.threads++;
    return { statusMessageId: `status-${this.threads}`, threadId: `thread-${this.threads}` };
  }

  async updateStatus(_job: JobRecord, _view: JobView) {
    this.statusEdits++;
  }

  async uploadVideo(_job: JobRecord, video: VideoFile): Promise<UploadOutcome> {
    for await (const chunk of video.body) this.bytes += (chunk as Uint8Array).byteLength;
    this.uploadedAt.set(video.generation.id, clock());
    return { kind: 'uploaded' };
  }

  async postLink(_job: JobRecord, _generation: GenerationRecord, _url: string, _reason: 'too_big' | 'upload_failed') {
    this.links++;
  }
}

export function textRequest(i: number, users: number): SubmitInput {
  return {
    request: { prompt: `bench prompt ${i}: a lighthouse in a storm`, options: DEFAULT_OPTIONS },
    attachments: [],
    requester: { platform: 'discord', userId: `user-${i % users}`, scopeId: `guild-${i % 50}` },
    destination: { platform: 'discord', channelId: `channel-${i % 200}` },
  };
}

/** Event-loop delay p50/p99/max in ms from a histogram of resolution 10 ms. */
export function loopDelay(histogram: IntervalHistogram): { p50: number; p99: number; max: number } {
  // The histogram holds whole timer intervals; report the delay beyond the 10 ms resolution.
  const ms = (ns: number) => Math.max(0, ns / 1e6 - 10);
  return { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
}

/** Peak RSS (sampled every 100 ms) and event-loop delay over a window. */
export class Sampler {
  private readonly histogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly timer: NodeJS.Timeout;
  rssPeak = process.memoryUsage().rss;
  /** process.memoryUsage() when the RSS peaked: how much of it was the V8 heap (used, committed) and memory outside it. */
  atPeak: NodeJS.MemoryUsage = process.memoryUsage();

  constructor() {
    this.histogram.enable();
    this.timer = setInterval(() => {
      const now = process.memoryUsage();
      if (now.rss > this.rssPeak) [this.rssPeak, this.atPeak] = [now.rss, now];
    }, 100);
    this.timer.unref();
  }

  resetLoop(): void {
    this.histogram.reset();
  }

  loop() {
    return loopDelay(this.histogram);
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const mb = (bytes: number) => bytes / (1024 * 1024);
export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));

/** Runs `task` over 0..count-1 with at most `limit` at once. */
export async function pool(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
