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

/**
 * The start script's Node flags, its entry file (absolute) and the environment it sets with
 * `env NAME=value` before `node` (settings read when the process starts, such as glibc's malloc).
 */
export function npmStart(): { flags: string[]; entry: string; env: Record<string, string> } {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  const nodeAt = words.indexOf('node');
  const env: Record<string, string> = {};
  if (words.includes('env')) {
    for (const word of words.slice(words.indexOf('env') + 1, nodeAt)) {
      const [name, ...value] = word.split('=');
      if (name && value.length > 0) env[name] = value.join('=');
    }
  }
  const rest = words.slice(nodeAt + 1);
  const flags: string[] = [];
  while (rest[0]?.startsWith('-')) {
    const flag = rest.shift()!;
    flags.push(flag);
    if (flag === '--import' || flag === '--require') flags.push(rest.shift()!);
  }
  if (!rest[0]) throw new Error(`no entry file in the start script: ${pkg.scripts.start}`);
  return { flags, entry: resolve(PROJECT_ROOT, rest[0]), env };
}

/** `node` arguments that start the bot as `npm start` does (after the build); its environment is npmStart().env. */
export const npmStartArgs = (): string[] => {
  const { flags, entry } = npmStart();
  return [...flags, entry];
};

/** Runs the `prestart` build. */
export function buildDist(): void {
  const run = spawnSync(process.execPath, [join(PROJECT_ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`scripts/build.mjs exited with ${run.status}`);
}
