/**
 * The whole app (src/app.ts createApp, with main.ts's signal handling) as its own OS process, for
 * the shutdown tests (test/process/shutdown.test.ts). Only the platform adapter is a stand-in: it
 * reports to the test's sink (test/process/helpers.ts) and uploads slowly, so a signal can land
 * mid-upload.
 *
 *   node --import tsx test/process/app-process.ts
 *
 * Environment: the bot's own (OXEN_API_KEY, OXEN_BASE_URL, DATA_DIR, PORT, SHUTDOWN_GRACE_SECONDS,
 * ...), plus SINK_URL, BOT_NAME, UPLOAD_MS (how long each upload takes), LEASE_TTL_MS and
 * DELIVERY_LEASE_MS. Commands arrive over the app's own HTTP server: POST /test/submit {prompt}.
 * Prints `READY {"port":N}` once started; logs are JSON lines on stdout.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '../../src/app.js';
import { exitOnSignals } from '../../src/app/signals.js';
import type { AdapterContext, PlatformAdapter } from '../../src/core/adapter.js';
import { configSecrets, loadConfig } from '../../src/core/config.js';
import type { GenerationRecord, JobRecord } from '../../src/core/jobs/job.js';
import type { JobView, PlatformPort, UploadOutcome, VideoFile } from '../../src/core/jobs/ports.js';
import { createLogger } from '../../src/core/log.js';
import { DEFAULT_OPTIONS } from '../../src/core/request.js';
import type { VideoService } from '../../src/core/service.js';
import { FAST_ENGINE } from '../helpers/harness.js';
import { sinkClient } from './sink-client.js';

const name = process.env['BOT_NAME'] ?? 'bot';
const uploadMs = Number(process.env['UPLOAD_MS'] ?? '0');

const { toSink, sinkJson } = sinkClient(process.env['SINK_URL'] ?? 'http://127.0.0.1:1', name);

/** The video in 100-byte pieces spread over `ms`; fails as soon as the shutdown aborts the upload. */
async function* slowly(body: Readable, ms: number, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
  const all = Buffer.concat(chunks);
  const pieces = Math.max(1, Math.ceil(all.length / 100));
  for (let i = 0; i < pieces; i++) {
    if (ms > 0) await sleep(ms / pieces, undefined, signal ? { signal } : {});
    signal?.throwIfAborted();
    yield all.subarray(i * 100, (i + 1) * 100);
  }
}

class SinkPort implements PlatformPort {
  readonly platform = 'discord' as const;
  openThread(job: JobRecord, view: JobView) {
    return sinkJson<{ statusMessageId: string; threadId: string }>('POST', '/status', { kind: 'open', jobId: job.id, phase: view.phase });
  }
  async updateStatus(job: JobRecord, view: JobView) {
    await sinkJson('POST', '/status', { kind: 'update', jobId: job.id, phase: view.phase });
  }
  async uploadVideo(job: JobRecord, video: VideoFile): Promise<UploadOutcome> {
    const { status, text } = await toSink('POST', '/upload', { 'x-job-id': job.id, 'x-generation-id': video.generation.id, 'content-type': video.contentType }, Readable.from(slowly(video.body, uploadMs, video.signal)));
    if (status !== 200) throw new Error(`upload answered ${status}: ${text}`);
    return { kind: 'uploaded' };
  }
  async postLink(job: JobRecord, generation: GenerationRecord, url: string, reason: 'too_big' | 'upload_failed') {
    await sinkJson('POST', '/link', { jobId: job.id, generationId: generation.id, url, reason });
  }
  async findDelivered(job: JobRecord, generation: GenerationRecord) {
    return (await sinkJson<{ delivered: boolean }>('GET', `/delivered?job=${encodeURIComponent(job.id)}&generation=${encodeURIComponent(generation.id)}`)).delivered;
  }
}

class SinkAdapter implements PlatformAdapter {
  readonly platform = 'discord' as const;
  readonly port = new SinkPort();
  private service?: VideoService;
  private accepting = false;
  async start(context: AdapterContext) {
    this.service = context.service;
    this.accepting = true;
  }
  stopAccepting() {
    this.accepting = false;
  }
  async close() {}
  isConnected() {
    return true;
  }
  readonly httpRoute = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== '/test/submit') return false;
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const { prompt } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { prompt: string };
    const send = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!this.accepting || !this.service) return (send({ restarting: true }), true);
    const result = await this.service.submit({
      request: { prompt, options: DEFAULT_OPTIONS },
      attachments: [],
      requester: { platform: 'discord', userId: 'u1', scopeId: 'guild-1' },
      destination: { platform: 'discord', channelId: 'channel-1' },
    });
    send(result.ok ? { id: result.value.job.id } : { problems: result.problems });
    return true;
  };
}

const config = loadConfig(process.env);
const log = createLogger({ level: config.log.level, secrets: configSecrets(config) });
const app = createApp(config, {
  adapters: [new SinkAdapter()],
  log: log.child({ bot: name }),
  host: '127.0.0.1',
  processMetrics: false,
  engine: {
    ...FAST_ENGINE,
    instanceId: `${name}-${process.pid}`,
    ...(process.env['LEASE_TTL_MS'] ? { leaseTtlMs: Number(process.env['LEASE_TTL_MS']) } : {}),
    ...(process.env['DELIVERY_LEASE_MS'] ? { deliveryLeaseMs: Number(process.env['DELIVERY_LEASE_MS']) } : {}),
  },
});
exitOnSignals(app, log, { overdueMs: config.shutdown.graceMs + 15_000 });
// Never outlive the test: the parent holds our stdin open.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
await app.start();
process.stdout.write(`READY ${JSON.stringify({ port: app.port })}\n`);
