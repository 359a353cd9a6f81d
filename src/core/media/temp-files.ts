/**
 * Where downloads and conversions keep their files: one directory per process under the system's
 * temp dir, named by the process id, one sub-directory per conversion or request removed when it
 * ends. A process that crashed leaves its directory behind; the next one to start sweeps every
 * directory whose process is gone.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MEDIA_TEMP_ROOT = join(tmpdir(), 'seedance-media');

export class TempFiles {
  readonly dir: string;

  constructor(root: string = MEDIA_TEMP_ROOT, pid: number = process.pid) {
    mkdirSync(root, { recursive: true });
    sweepDeadProcesses(root);
    this.dir = join(root, `${pid}-${randomUUID().slice(0, 8)}`);
    mkdirSync(this.dir, { recursive: true });
  }

  /** Runs `work` with a fresh directory, removed afterwards whatever happens. */
  async within<T>(work: (dir: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(this.dir, 'job-'));
    try {
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** A fresh directory for work that outlives one call (a request's downloads): the caller disposes of it. */
  async open(): Promise<TempDir> {
    const dir = await mkdtemp(join(this.dir, 'req-'));
    let disposed: Promise<void> | undefined;
    return { dir, dispose: () => (disposed ??= rm(dir, { recursive: true, force: true })) };
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface TempDir {
  readonly dir: string;
  /** Removes the directory and everything in it; safe to call more than once. */
  dispose(): Promise<void>;
}

let shared: TempFiles | undefined;

/**
 * The one TempFiles of this process for downloads, made on first use (sweeping what crashed
 * processes left) and removed when the process exits.
 */
export function sharedTempFiles(): TempFiles {
  if (!shared) {
    const made = new TempFiles();
    shared = made;
    process.once('exit', () => made.close());
  }
  return shared;
}

/** Removes the directories of processes that no longer run (`<pid>-<random>`). */
export function sweepDeadProcesses(root: string): string[] {
  const swept: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return swept;
  }
  for (const entry of entries) {
    const pid = Number(/^(\d+)-/.exec(entry)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    rmSync(join(root, entry), { recursive: true, force: true });
    swept.push(entry);
  }
  return swept;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
