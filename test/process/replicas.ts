/**
 * Replicas for the multi-instance tests: each one is test/process/replica-process.ts (the real app
 * with the real discord.js and Bolt adapters) in its own OS process, configured only through its
 * environment, reporting READY with its HTTP port. Logs are kept to look at what each one did.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./replica-process.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface LogLine {
  event: string;
  bot?: string;
  [key: string]: unknown;
}

export interface Replica {
  name: string;
  /** http://127.0.0.1:<port>: /readyz, /slack/events. */
  base: string;
  child: ChildProcess;
  /** The JSON log lines written so far. */
  lines(): LogLine[];
  output(): string;
  /** kill -9, and wait for the process to be gone. */
  kill(): Promise<void>;
}

const live = new Set<Replica>();

/**
 * `readyMs`: generous, since replicas started together identify in turn (one per 5 s with
 * max_concurrency 1) after a start that takes seconds on a loaded machine. `entry`: another
 * process file that speaks the same way (READY line, JSON logs), e.g. shards-process.ts.
 */
export async function startReplica(name: string, env: Record<string, string>, readyMs = 60_000, entry = ENTRY): Promise<Replica> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    // Only what is given: nothing from the developer's environment (or a .env) changes the outcome.
    env: { PATH: process.env['PATH'] ?? '', NO_PROXY: '*', PORT: '0', LOG_LEVEL: 'info', ...env, BOT_NAME: name },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const output = () => `--- ${name} stdout ---\n${stdout}\n--- ${name} stderr ---\n${stderr}`;
  const replica: Replica = {
    name,
    base: '',
    child,
    lines: () =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as LogLine),
    output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      live.delete(replica);
    },
  };
  live.add(replica);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} not ready in ${readyMs} ms\n${output()}`)), readyMs);
      const onData = () => {
        const ready = /READY (\{.*\})\n/.exec(stdout);
        if (!ready) return;
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve((JSON.parse(ready[1]!) as { port: number }).port);
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? signal}) before ready\n${output()}`));
      });
    });
    replica.base = `http://127.0.0.1:${port}`;
  } catch (error) {
    await replica.kill();
    throw error;
  }
  return replica;
}

/** kill -9 every replica still running (for afterAll). */
export async function killAllReplicas(): Promise<void> {
  await Promise.all([...live].map((replica) => replica.kill()));
}
