/**
 * For the crash tests: the loopback "platform" sink every bot process reports to, and bot
 * processes (test/process/bot-process.ts) that can be started, asked for work, and kill -9'd.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { JobRecord } from '../../src/core/jobs/job.js';
import type { FakeOxen } from '../fakes/oxen/index.js';

export interface SinkUpload {
  bot: string;
  jobId: string;
  generationId: string;
  bytes: Buffer;
  /** The whole body arrived (the HTTP message ended). A platform posts the file only then. */
  complete: boolean;
  /** The connection died before the body ended. */
  aborted: boolean;
}

/**
 * How the sink treats the next upload:
 * - 'mid-body': reads what first arrives, then stops reading (the upload is in flight, never ends);
 * - 'before-response': reads the whole body (the platform has posted the file) but never answers.
 */
export type Stall = 'mid-body' | 'before-response';

export interface Sink {
  url: string;
  statuses: { bot: string; kind: string; jobId: string; phase: string }[];
  uploads: SinkUpload[];
  links: unknown[];
  /** Complete uploads only: what people would see in the thread. */
  posted(): SinkUpload[];
  stallNext(mode: Stall): void;
  /** Resolves once a stalled upload has started (mid-body) or fully arrived (before-response). */
  stalled(): Promise<SinkUpload>;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const statuses: Sink['statuses'] = [];
  const uploads: SinkUpload[] = [];
  const links: unknown[] = [];
  let threads = 0;
  let stall: Stall | undefined;
  let onStalled: ((upload: SinkUpload) => void) | undefined;
  let stalledUpload: Promise<SinkUpload> = new Promise((resolve) => (onStalled = resolve));

  const readAll = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  };
  const json = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  function upload(req: IncomingMessage, res: ServerResponse): void {
    const record: SinkUpload = {
      bot: String(req.headers['x-bot']),
      jobId: String(req.headers['x-job-id']),
      generationId: String(req.headers['x-generation-id']),
      bytes: Buffer.alloc(0),
      complete: false,
      aborted: false,
    };
    uploads.push(record);
    const mode = stall;
    stall = undefined;
    req.on('aborted', () => (record.aborted = true));
    req.on('close', () => {
      if (!record.complete) record.aborted = true;
    });
    if (mode === 'mid-body') {
      req.once('data', (chunk: Buffer) => {
        req.pause(); // stop reading: the rest of the body (and its end) never arrives
        record.bytes = Buffer.from(chunk);
        onStalled?.(record);
      });
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      record.bytes = Buffer.concat(chunks);
      record.complete = true;
      if (mode === 'before-response') return onStalled?.(record); // posted, but the bot never hears so
      json(res, { messageId: `message-${uploads.length}` });
    });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sink');
    if (req.method === 'POST' && url.pathname === '/upload') return upload(req, res);
    void (async () => {
      const body = await readAll(req);
      const bot = String(req.headers['x-bot']);
      if (req.method === 'POST' && url.pathname === '/status') {
        const report = JSON.parse(body.toString('utf8')) as { kind: string; jobId: string; phase: string };
        statuses.push({ bot, ...report });
        if (report.kind === 'open') {
          threads++;
          return json(res, { statusMessageId: `status-${threads}`, threadId: `thread-${threads}` });
        }
        return json(res, {});
      }
      if (req.method === 'POST' && url.pathname === '/link') {
        links.push(JSON.parse(body.toString('utf8')));
        return json(res, {});
      }
      if (req.method === 'GET' && url.pathname === '/delivered') {
        const job = url.searchParams.get('job');
        const generation = url.searchParams.get('generation');
        return json(res, { delivered: uploads.some((u) => u.complete && u.jobId === job && u.generationId === generation) });
      }
      res.writeHead(404);
      res.end();
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    statuses,
    uploads,
    links,
    posted: () => uploads.filter((u) => u.complete),
    stallNext(mode) {
      stall = mode;
      stalledUpload = new Promise((resolve) => (onStalled = resolve));
    },
    stalled: () => stalledUpload,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const ENTRY = fileURLToPath(new URL('./bot-process.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BotProcess {
  name: string;
  child: ChildProcess;
  stderr: () => string;
  /** Its HTTP server (submissions, look-ups, self-hosted reference files). */
  readonly url: string;
  submit(prompt: string, user?: string, files?: { name: string; contentType: string; bytes: Uint8Array }[]): Promise<string>;
  job(id: string): Promise<JobRecord | null>;
  /** What this process's status message would show for the job: its phase and place in line. */
  view(id: string): Promise<{ phase: string; position: number | null } | null>;
  /** kill -9, and wait for the process to be gone. */
  kill(): Promise<void>;
}

const live = new Set<BotProcess>();

export async function startBot(options: { name: string; fake: FakeOxen; sink: Sink; store: { dataDir: string } | { url: string; prefix: string }; env?: Record<string, string> }): Promise<BotProcess> {
  const storeEnv = 'dataDir' in options.store ? { DATA_DIR: options.store.dataDir } : { STORE_URL: options.store.url, STORE_PREFIX: options.store.prefix };
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    cwd: ROOT,
    env: { ...process.env, ...storeEnv, OXEN_URL: options.fake.url, OXEN_API_KEY: options.fake.apiKey, SINK_URL: options.sink.url, BOT_NAME: options.name, NO_PROXY: '*', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const bot: BotProcess = {
    name: options.name,
    child,
    stderr: () => err,
    get url() {
      return base;
    },
    async submit(prompt, user = 'u1', files = []) {
      const encoded = files.map((f) => ({ name: f.name, contentType: f.contentType, base64: Buffer.from(f.bytes).toString('base64') }));
      const res = await fetch(`${base}/submit`, { method: 'POST', body: JSON.stringify({ prompt, user, files: encoded }) });
      const answer = (await res.json()) as { ok: boolean; id?: string; problems?: unknown };
      if (!answer.ok || !answer.id) throw new Error(`submit refused: ${JSON.stringify(answer.problems)}`);
      return answer.id;
    },
    async job(id) {
      return (await (await fetch(`${base}/job/${encodeURIComponent(id)}`)).json()) as JobRecord | null;
    },
    async view(id) {
      return (await (await fetch(`${base}/view/${encodeURIComponent(id)}`)).json()) as { phase: string; position: number | null } | null;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      live.delete(bot);
    },
  };
  live.add(bot);
  let base = '';
  try {
    base = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${options.name} not ready in 10 s: ${err}`)), 10_000);
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        const ready = /READY (\{.*\})\n/.exec(out);
        if (ready) {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${(JSON.parse(ready[1]!) as { port: number }).port}`);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${options.name} exited (${code ?? signal}) before ready: ${err}`));
      });
    });
  } catch (error) {
    await bot.kill();
    throw error;
  }
  return bot;
}

/** kill -9 every bot process still running (for afterEach). */
export async function killAllBots(): Promise<void> {
  await Promise.all([...live].map((bot) => bot.kill()));
}
