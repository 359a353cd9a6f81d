/**
 * One large attachment through the whole bot as `npm start` runs it (src/main.ts as its own OS
 * process, configured by its environment), with Discord and Oxen loopback fakes in this process:
 * a `/video` whose video is a real 3 s H.264 MP4 padded (an MP4 `free` box) to `sizeBytes`, served
 * by the fake Discord CDN from a file, paused half way. Measured on the bot's process from outside
 * (/proc): its resident memory before, while the download is paused, and its peak (VmHWM, reset
 * just before the command); and what is in its temporary directory (TMPDIR, the test's own) while
 * paused and once the job is at Oxen. A small clip goes first, so that what the first request of a
 * process loads (modules compiled by tsx, FFmpeg's probe) is not counted against the large one. Used by test/process/large-attachment.test.ts and
 * bench/large-attachment.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { slashCommand, startFakeDiscord, type FakeDiscord, type FakeUser } from '../fakes/discord/index.js';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { eventually } from '../helpers/harness.js';
import { FIXTURES } from '../helpers/media-fixtures.js';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const MiB = 1024 * 1024;
const ANN: FakeUser = { id: '400000000000000001', username: 'ann' };
const BOB: FakeUser = { id: '400000000000000002', username: 'bob' };

export interface LargeAttachmentRun {
  sizeBytes: number;
  /** The bot's resident memory just before the command (MiB). */
  rssBeforeMiB: number;
  /** While the CDN held the download at half the file (MiB). */
  rssPausedMiB: number;
  /** The bot's peak resident memory from the command to the job at Oxen (MiB). */
  peakMiB: number;
  /** Files in the bot's temporary directory (seedance-media) while paused: path (relative to TMPDIR) and size. */
  tempWhilePaused: { path: string; size: number }[];
  /** Files left there once the job was at Oxen. */
  tempAfter: { path: string; size: number }[];
  /** What the fake Oxen fetched for the job's video reference. */
  fetchedVideo?: Uint8Array;
  /** The answer the person got. */
  answer: string;
  seconds: number;
}

export interface CrashRun {
  /** The bot's temporary files while the download was paused, before kill -9. */
  tempWhilePaused: { path: string; size: number }[];
  /** The per-process directories under seedance-media once the next process is ready. */
  dirsAfterRestart: string[];
  crashedPid: number;
  restartedPid: number;
}

/** `size` bytes: a real short MP4 and a `free` box after it, written in pieces. */
export async function writePaddedVideo(path: string, size: number): Promise<void> {
  const movie = await FIXTURES.sdMp4(3);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, movie);
    const header = Buffer.alloc(8);
    header.writeUInt32BE(size - movie.byteLength, 0);
    header.write('free', 4, 'latin1');
    writeSync(fd, header);
    const zeros = Buffer.alloc(MiB);
    for (let left = size - movie.byteLength - 8; left > 0; left -= zeros.byteLength) writeSync(fd, zeros, 0, Math.min(left, zeros.byteLength));
  } finally {
    closeSync(fd);
  }
}

/** kB figures of /proc/<pid>/status, in MiB. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** The bot's own temporary files (TMPDIR also holds tsx's compile cache). */
const mediaFiles = (tmp: string) => filesUnder(tmp, join(tmp, 'seedance-media'));

function filesUnder(root: string, dir = root): { path: string; size: number }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(root, full) : [{ path: full.slice(root.length + 1), size: statSync(full).size }];
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A bot process on the fakes, its temporary files in `tmp`; `ready` once /readyz answers 200. */
function spawnBot(dir: string, tmp: string, oxen: FakeOxen, discord: FakeDiscord, port: number, onOutput: (text: string) => void): ChildProcess {
  const child = spawn(process.execPath, ['--import', TSX, MAIN], {
    cwd: join(dir, 'cwd'),
    env: {
      PATH: process.env['PATH'] ?? '',
      NO_PROXY: '*',
      // The bot's temporary files (os.tmpdir()) where this test can see them.
      TMPDIR: tmp,
      OXEN_API_KEY: 'large-attachment-key',
      OXEN_BASE_URL: oxen.url,
      DISCORD_TOKEN: discord.token,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_API_URL: discord.url,
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => onOutput(c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => onOutput(c.toString('utf8')));
  return child;
}

async function ready(port: number): Promise<void> {
  await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200, 40_000, 'the bot ready');
}

async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/**
 * A bot killed (-9) while a download is under way leaves its temporary directory behind; the next
 * process to start sweeps it.
 */
export async function runCrashMidDownload(sizeBytes: number): Promise<CrashRun> {
  const dir = mkdtempSync(join(tmpdir(), 'seedance-crash-download-'));
  const botTmp = join(dir, 'tmp');
  mkdirSync(botTmp);
  mkdirSync(join(dir, 'cwd'));
  const video = join(dir, 'phone.mp4');
  let oxen: FakeOxen | undefined;
  let discord: FakeDiscord | undefined;
  const children: ChildProcess[] = [];
  let output = '';
  try {
    await writePaddedVideo(video, sizeBytes);
    oxen = await startFakeOxen({ apiKey: 'large-attachment-key', timing: 'manual', keepAliveMs: 1_000 });
    discord = await startFakeDiscord({ token: 'MTAwMDAwMDAwMDAwMDAwMDAx.Large.large-attachment-token' });
    const port = await freePort();
    const first = spawnBot(dir, botTmp, oxen, discord, port, (text) => (output += text));
    children.push(first);
    await ready(port);
    const half = Math.floor(sizeBytes / 2);
    const attachment = discord.attachmentFromFile('phone.mp4', video, { contentType: 'video/mp4', ephemeral: true, pause: { afterBytes: half, until: new Promise(() => undefined) } });
    await discord.dispatchInteraction(slashCommand(discord.context(ANN), 'video', [{ name: 'prompt', type: 3, value: '@phone.mp4' }, { name: 'video1', type: 11, value: attachment.id }], [attachment]));
    await eventually(() => mediaFiles(botTmp).some((f) => f.size >= half), 30_000, 'half the download in a file');
    const tempWhilePaused = mediaFiles(botTmp);
    await kill(first);

    const secondPort = await freePort();
    const second = spawnBot(dir, botTmp, oxen, discord, secondPort, (text) => (output += text));
    children.push(second);
    await ready(secondPort);
    const dirsAfterRestart = readdirSync(join(botTmp, 'seedance-media'));
    return { tempWhilePaused, dirsAfterRestart, crashedPid: first.pid!, restartedPid: second.pid! };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- bot output ---\n${output.slice(-4000)}`);
  } finally {
    for (const child of children) await kill(child);
    await oxen?.close();
    await discord?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runLargeAttachment(sizeBytes: number): Promise<LargeAttachmentRun> {
  const dir = mkdtempSync(join(tmpdir(), 'seedance-large-attachment-'));
  const botTmp = join(dir, 'tmp');
  mkdirSync(botTmp);
  mkdirSync(join(dir, 'cwd'));
  const video = join(dir, 'phone.mp4');
  let oxen: FakeOxen | undefined;
  let discord: FakeDiscord | undefined;
  let child: ChildProcess | undefined;
  let output = '';
  try {
    await writePaddedVideo(video, sizeBytes);
    oxen = await startFakeOxen({ apiKey: 'large-attachment-key', timing: 'manual', keepAliveMs: 1_000, fetchInputs: true });
    discord = await startFakeDiscord({ token: 'MTAwMDAwMDAwMDAwMDAwMDAx.Large.large-attachment-token' });
    const port = await freePort();
    child = spawnBot(dir, botTmp, oxen, discord, port, (text) => (output += text));
    const pid = child.pid!;
    await ready(port);

    // The warm-up: a small clip the model takes as it is, from someone else.
    const small = join(dir, 'small.mp4');
    writeFileSync(small, await FIXTURES.sdMp4(3));
    const warm = discord.attachmentFromFile('small.mp4', small, { contentType: 'video/mp4', ephemeral: true });
    await discord.dispatchInteraction(slashCommand(discord.context(BOB), 'video', [{ name: 'prompt', type: 3, value: '@small.mp4 warms up' }, { name: 'video1', type: 11, value: warm.id }], [warm]));
    await eventually(() => oxen!.requestsTo('enqueue').length === 1 && oxen!.inputs.size === 1, 60_000, 'the warm-up at Oxen');
    const warmed = new Set(oxen.inputs.keys());

    let resume!: () => void;
    const until = new Promise<void>((resolve) => (resume = resolve));
    const half = Math.floor(sizeBytes / 2);
    const attachment = discord.attachmentFromFile('phone.mp4', video, { contentType: 'video/mp4', ephemeral: true, pause: { afterBytes: half, until } });
    const payload = slashCommand(discord.context(ANN), 'video', [
      { name: 'prompt', type: 3, value: '@phone.mp4 in slow motion' },
      { name: 'video1', type: 11, value: attachment.id },
    ], [attachment]);

    // The peak from here on: VmHWM reset to the current RSS (Linux clear_refs).
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const rssBeforeMiB = memoryOf(pid).rss;
    const began = Date.now();
    await discord.dispatchInteraction(payload);

    // Paused at half the file: whatever holds those bytes holds them now.
    const seen = () => mediaFiles(botTmp).reduce((n, f) => n + f.size, 0);
    const settled = Date.now() + 30_000;
    while (Date.now() < settled) {
      await new Promise((r) => setTimeout(r, 200));
      // The bytes in a file, or (before) in memory: wait until one of the two shows them.
      if (seen() >= half || memoryOf(pid).rss - rssBeforeMiB >= half / MiB) break;
    }
    await new Promise((r) => setTimeout(r, 500));
    const rssPausedMiB = memoryOf(pid).rss;
    const tempWhilePaused = mediaFiles(botTmp);
    resume();

    await eventually(() => oxen!.requestsTo('enqueue').length === 2, 60_000, 'the job at Oxen');
    await eventually(() => oxen!.inputs.size > 1, 10_000, 'the references fetched');
    const peakMiB = memoryOf(pid).hwm;
    const seconds = (Date.now() - began) / 1000;
    const answer = String((await discord.waitForCall((c) => c.route === 'webhookEditOriginal' && c.path.includes(payload.token), 10_000, 'the answer')).json?.content ?? '');
    const fetched = [...oxen.inputs].find(([id]) => !warmed.has(id))?.[1].find((f) => f.field === 'input_videos');
    return { sizeBytes, rssBeforeMiB, rssPausedMiB, peakMiB, tempWhilePaused, tempAfter: mediaFiles(botTmp), ...(fetched?.bytes ? { fetchedVideo: fetched.bytes } : {}), answer, seconds };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- bot output ---\n${output.slice(-4000)}`);
  } finally {
    await kill(child);
    await oxen?.close();
    await discord?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
