/**
 * Runs the real CLI (src/cli/main.ts) as its own process, the way `npm run cli` does (node with
 * tsx), in an empty working directory (so a developer's ./.env cannot change the outcome) and
 * with only the environment given.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = import.meta.resolve('tsx');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
}

export const emptyDir = (name = 'seedance-cli-test-') => mkdtempSync(join(tmpdir(), name));

/** A CLI process that is still running: its output so far, and a way to wait for a line. */
export interface LiveCli {
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  /** Resolves with the first match in stderr+stdout (past or future). */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  exited: Promise<CliRun>;
}

export function startCli(args: readonly string[], options: CliOptions = {}): LiveCli {
  const env = Object.fromEntries(Object.entries({ PATH: process.env['PATH'] ?? '', NO_PROXY: '*', ...options.env }).filter((e): e is [string, string] => e[1] !== undefined));
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], { cwd: options.cwd ?? emptyDir(), env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const onData = () => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout!.on('data', (c: Buffer) => ((stdout += c.toString('utf8')), onData()));
  child.stderr!.on('data', (c: Buffer) => ((stderr += c.toString('utf8')), onData()));
  const exited = new Promise<CliRun>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return {
    child,
    output: () => ({ stdout, stderr }),
    waitFor(pattern, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(`${stderr}\n${stdout}`);
          if (!match) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(match);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${pattern} in the CLI's output within ${ms} ms:\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
        }, ms);
        waiters.add(check);
        check();
        void exited.then(() => setTimeout(check, 0));
      });
    },
    exited,
  };
}

/** Runs the CLI to its end, stdin closed. */
export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const live = startCli(args, options);
  live.child.stdin!.end();
  return live.exited;
}
