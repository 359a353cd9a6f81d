#!/usr/bin/env node
/**
 * `npm run build` (and `prestart`): src/ compiled to plain JavaScript in dist/, file for file (the
 * same tree, so paths resolved from import.meta.url, like the media worker's, still work), by
 * esbuild. `npm start` runs node on dist/main.js: no TypeScript loader at run time (tsx's loader
 * thread alone held 25-35 MB of the bot's memory, and compiled the whole app at every start).
 *
 * Plain JS on purpose: it runs before anything is compiled. Skipped when dist/ was built from the
 * same sources (a hash of src/ and this file is kept in dist/.build-hash): a start costs one read
 * of src/, and a read-only image built with `npm run build` is not written to.
 *
 *   node scripts/build.mjs            # build when src/ changed
 *   node scripts/build.mjs --force    # build anyway
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
export const DIST = join(ROOT, 'dist');
const HASH_FILE = '.build-hash';

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

/** What dist/ is built from: every file under src/ (name and content) and this script. */
function sourceHash(files) {
  const hash = createHash('sha256');
  for (const file of [...files, fileURLToPath(import.meta.url)]) hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

function builtHash() {
  try {
    return readFileSync(join(DIST, HASH_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Builds dist/ unless it is up to date. It is written beside it first and then put in place, so a
 * process starting meanwhile finds the old tree or the new one, never half of one.
 */
export async function build({ force = false } = {}) {
  const files = filesUnder(SRC);
  const hash = sourceHash(files);
  if (!force && builtHash() === hash) return { built: false, dir: DIST };
  const { build: esbuild } = await import('esbuild');
  const next = `${DIST}.next-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  await esbuild({
    entryPoints: files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
    outdir: next,
    outbase: SRC,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    bundle: false,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // Plain JavaScript files (the media worker, the CLI's bin) as they are.
  for (const file of files.filter((f) => f.endsWith('.mjs') || f.endsWith('.js'))) {
    const to = join(next, relative(SRC, file));
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(file, to);
  }
  writeFileSync(join(next, HASH_FILE), `${hash}\n`);
  const old = `${DIST}.old-${process.pid}`;
  try {
    renameSync(DIST, old);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  try {
    renameSync(next, DIST);
  } catch (error) {
    // Another build put its tree in place meanwhile: keep it if it is of the same sources.
    rmSync(next, { recursive: true, force: true });
    if (builtHash() !== hash) throw error;
  }
  rmSync(old, { recursive: true, force: true });
  return { built: true, dir: DIST };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  const { built } = await build({ force: process.argv.includes('--force') });
  if (built) process.stderr.write(`built dist/ from src/ in ${Math.round(performance.now() - started)} ms\n`);
}
