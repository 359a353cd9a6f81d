/**
 * A bot process for the crash tests (test/process/crash.test.ts): the real core from
 * test/helpers/harness.ts, run as its own OS process so a test can kill -9 it at any step.
 *
 *   node --import tsx test/process/bot-process.ts
 *
 * Environment:
 *   OXEN_URL, OXEN_API_KEY      the fake Oxen, run by the test process
 *   SINK_URL                    the test's loopback "platform": every PlatformPort call is reported there
 *   DATA_DIR                    SQLite store, or
 *   STORE_URL + STORE_PREFIX    Redis store shared with other bot processes
 *   BOT_NAME                    a label sent with every report (and part of the engine's instance id)
 *   UPLOAD_LIMIT                bytes the "thread" takes (uploadLimitBytes); larger videos go as a link
 *   RESULT_LINKS=1              lasting links to originals (https://bot.example.com/results/...), served here
 *
 * It listens on 127.0.0.1 for the test's submissions (POST /submit {prompt, user}), job look-ups
 * (GET /job/<id>) and what a status message would show (GET /view/<id>: phase and place in line),
 * and prints `READY {"port":N}` on stdout once the engine has started. It exits when
 * its stdin closes, so it never outlives the test process.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { GenerationRecord, JobRecord } from '../../src/core/jobs/job.js';
import type { JobView, PlatformPort, UploadOutcome, VideoFile } from '../../src/core/jobs/ports.js';
import { RedisJobStore } from '../../src/core/jobs/store-redis.js';
import { SqliteJobStore } from '../../src/core/jobs/store-sqlite.js';
import type { JobStore } from '../../src/core/jobs/store.js';
import { FileReferenceStore } from '../../src/core/references/reference-store-files.js';
import { RedisReferenceStore } from '../../src/core/references/reference-store-redis.js';
import type { IncomingAttachment } from '../../src/core/references/types.js';
import { DEFAULT_OPTIONS } from '../../src/core/request.js';
import { ResultLinks } from '../../src/core/jobs/result-links.js';
import { silentLogger } from '../../src/core/log.js';
import { resultsRoute } from '../../src/server/results-route.js';
import { startCore } from '../helpers/harness.js';
import { sinkClient } from './sink-client.js';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const name = process.env['BOT_NAME'] ?? 'bot';

const { toSink, sinkJson } = sinkClient(env('SINK_URL'), name);

/** The PlatformPort: reports every call to the sink, streams uploads to it. */
class SinkPort implements PlatformPort {
  readonly platform = 'discord' as const;

  openThread(job: JobRecord, view: JobView) {
    return sinkJson<{ statusMessageId: string; threadId: string }>('POST', '/status', { kind: 'open', jobId: job.id, phase: view.phase });
  }

  async updateStatus(job: JobRecord, view: JobView) {
    await sinkJson('POST', '/status', { kind: 'update', jobId: job.id, phase: view.phase });
  }

  async uploadVideo(job: JobRecord, video: VideoFile): Promise<UploadOutcome> {
    // Streamed (chunked), as an adapter streams a multipart body to Discord or Slack.
    const { status, text } = await toSink('POST', '/upload', { 'x-job-id': job.id, 'x-generation-id': video.generation.id, 'x-file-name': video.fileName, 'content-type': video.contentType }, video.body);
    if (status !== 200) throw new Error(`upload answered ${status}: ${text}`);
    return { kind: 'uploaded' };
  }

  async postLink(job: JobRecord, generation: GenerationRecord, url: string, reason: 'too_big' | 'upload_failed') {
    await sinkJson('POST', '/link', { jobId: job.id, generationId: generation.id, url, reason });
  }

  async uploadLimitBytes() {
    return process.env['UPLOAD_LIMIT'] ? Number(process.env['UPLOAD_LIMIT']) : undefined;
  }

  /** Looks in the "thread", as the real adapters look for the file in theirs. */
  async findDelivered(job: JobRecord, generation: GenerationRecord) {
    const answer = await sinkJson<{ delivered: boolean }>('GET', `/delivered?job=${encodeURIComponent(job.id)}&generation=${encodeURIComponent(generation.id)}`);
    return answer.delivered;
  }
}

const store: JobStore = process.env['DATA_DIR'] ? new SqliteJobStore(process.env['DATA_DIR']) : new RedisJobStore(env('STORE_URL'), env('STORE_PREFIX'));
// Jobs' files beside the job store, as the app keeps them (src/core/references/open-reference-store.ts).
const references = process.env['DATA_DIR'] ? new FileReferenceStore(join(process.env['DATA_DIR'], 'references')) : new RedisReferenceStore(env('STORE_URL'), env('STORE_PREFIX'));
const links = process.env['RESULT_LINKS'] ? new ResultLinks({ publicBaseUrl: 'https://bot.example.com', secret: env('OXEN_API_KEY'), keepsMs: 30 * 86_400_000 }) : undefined;
const core = await startCore({
  ...(links ? { results: { originalLink: (job: JobRecord, generation: GenerationRecord) => links.linkFor(job, generation) } } : {}),
  fake: { url: env('OXEN_URL'), apiKey: env('OXEN_API_KEY') },
  store,
  references,
  port: new SinkPort(),
  engine: { instanceId: `${name}-${randomUUID()}`, ...(process.env['GLOBAL_LIMIT'] ? { globalLimit: Number(process.env['GLOBAL_LIMIT']) } : {}) },
  service: { perUserLimit: 100 },
});

// Engine errors go to stderr, for the test's failure messages.
let reported = 0;
setInterval(() => {
  for (; reported < core.errors.length; reported++) {
    const { step, error } = core.errors[reported]!;
    process.stderr.write(`[${name}] ${step}: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}, 50).unref();

const results = links ? resultsRoute({ links, store, oxen: core.oxen, log: silentLogger }) : undefined;
const server = createServer((req, res) => {
  void (async () => {
    // Self-hosted reference files, as the app's HTTP server serves them.
    if (await core.host.handle(req, res)) return;
    // Originals of finished videos, as the app's HTTP server serves them with PUBLIC_BASE_URL.
    if (results && (await results(req, res))) return;
    const url = new URL(req.url ?? '/', 'http://bot');
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === '/submit') {
      const { prompt, user, files = [] } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { prompt: string; user: string; files?: { name: string; contentType: string; base64: string }[] };
      const attachments = files.map((file): IncomingAttachment => {
        const bytes = new Uint8Array(Buffer.from(file.base64, 'base64'));
        return { name: file.name, size: bytes.byteLength, contentType: file.contentType, download: async () => bytes };
      });
      const result = await core.service.submit({
        request: { prompt, options: DEFAULT_OPTIONS },
        attachments,
        requester: { platform: 'discord', userId: user, scopeId: 'guild-1' },
        destination: { platform: 'discord', channelId: 'channel-1' },
      });
      return send(200, result.ok ? { ok: true, id: result.value.job.id } : { ok: false, problems: result.problems });
    }
    const view = /^\/view\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && view) {
      const status = await core.service.status(decodeURIComponent(view[1]!));
      return send(200, status.ok ? { phase: status.value.phase, position: status.value.position ?? null } : null);
    }
    const job = /^\/job\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && job) return send(200, (await store.get(decodeURIComponent(job[1]!))) ?? null);
    send(404, { error: 'not found' });
  })().catch((error: unknown) => {
    if (!res.headersSent) res.writeHead(500);
    res.end(String(error));
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

// Never outlive the test: the parent holds our stdin open.
process.stdin.on('close', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

process.stdout.write(`READY ${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
