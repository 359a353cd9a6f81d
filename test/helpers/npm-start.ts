/**
 * How `npm start` starts the bot, read from package.json: its `prestart` build (scripts/build.mjs:
 * dist/ from src/, skipped when up to date) and the start script's Node flags and entry file. The
 * tests and benchmarks that run the bot "as npm start does" start exactly this.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The start script's Node flags and its entry file (absolute). */
export function npmStart(): { flags: string[]; entry: string } {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  const rest = words.slice(words.indexOf('node') + 1);
  const flags: string[] = [];
  while (rest[0]?.startsWith('-')) {
    const flag = rest.shift()!;
    flags.push(flag);
    if (flag === '--import' || flag === '--require') flags.push(rest.shift()!);
  }
  if (!rest[0]) throw new Error(`no entry file in the start script: ${pkg.scripts.start}`);
  return { flags, entry: resolve(PROJECT_ROOT, rest[0]) };
}

/** `node` arguments that start the bot as `npm start` does (after the build). */
export const npmStartArgs = (): string[] => {
  const { flags, entry } = npmStart();
  return [...flags, entry];
};

/** Runs the `prestart` build. */
export function buildDist(): void {
  const run = spawnSync(process.execPath, [join(PROJECT_ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`scripts/build.mjs exited with ${run.status}`);
}
