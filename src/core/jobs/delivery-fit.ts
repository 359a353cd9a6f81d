/**
 * The delivery of a video larger than the thread accepts: the download is spooled to a private
 * temporary directory (memory stays flat), re-encoded to fit (src/core/media/fit-result.ts) and
 * the smaller copy uploaded with a note of the sizes and a link to the original. When the
 * platform refuses the copy too (a workspace limit it could not tell in advance) it is fitted
 * once more to the lower size. The directory is removed on every path; one left by a crash is
 * removed at the next start (removeStaleFitDirs).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FitError, type ResultFitter } from '../media/fit-result.js';
import type { ResultStream } from '../oxen/client.js';
import type { GenerationRecord, JobRecord } from './job.js';
import type { LinkReason, OriginalLink, PlatformPort } from './ports.js';

const FIT_DIR_PREFIX = 'seedance-fit-';
/** Re-encodes of one delivery at most: the first to the known limit, one more after a refusal. */
const MAX_FITS = 2;

/** What the engine needs to fit results and to link to their originals. Both parts are optional. */
export interface ResultDelivery {
  fitter?: ResultFitter;
  /** The bot's lasting link to a generation's original (needs PUBLIC_BASE_URL), or undefined. */
  originalLink?(job: JobRecord, generation: GenerationRecord): OriginalLink | undefined;
  /** Where temporary files go; default the system's. */
  tempDir?: string;
  /** Told why a fit did not work (the delivery then posts a link). Must not throw. */
  onFitFailed?(job: JobRecord, error: FitError): void;
}

export interface FitDelivery {
  job: JobRecord;
  generation: GenerationRecord;
  port: PlatformPort;
  fitter: ResultFitter;
  results: ResultDelivery;
  /** The download not yet read, when there is one; otherwise `reopen` is called. */
  first?: ResultStream;
  reopen(): Promise<ResultStream>;
  limitBytes: number;
  fileName: string;
  original: OriginalLink;
  signal?: AbortSignal;
}

export type FitDeliveryOutcome = { kind: 'uploaded' } | { kind: 'link'; reason: LinkReason };

export async function deliverFitted(d: FitDelivery): Promise<FitDeliveryOutcome> {
  if ((await d.fitter.ready?.()) === false) {
    d.first?.body.destroy();
    return { kind: 'link', reason: 'too_big' };
  }
  const dir = await mkdtemp(join(d.results.tempDir ?? tmpdir(), FIT_DIR_PREFIX));
  try {
    const source = d.first ?? (await d.reopen());
    const originalPath = join(dir, 'original.mp4');
    await pipeline(source.body, createWriteStream(originalPath), ...(d.signal ? [{ signal: d.signal }] : []));
    const originalBytes = (await stat(originalPath)).size;
    let limitBytes = d.limitBytes;
    for (let round = 1; round <= MAX_FITS; round++) {
      const outputDir = join(dir, `round-${round}`);
      await mkdir(outputDir);
      let fitted;
      try {
        fitted = await d.fitter.fit({ input: originalPath, outputDir, targetBytes: limitBytes, ...(d.signal ? { signal: d.signal } : {}) });
      } catch (error) {
        if (d.signal?.aborted || !(error instanceof FitError)) throw error;
        d.results.onFitFailed?.(d.job, error);
        return { kind: 'link', reason: 'too_big' };
      }
      const outcome = await d.port.uploadVideo(d.job, {
        generation: d.generation,
        fileName: d.fileName,
        contentType: 'video/mp4',
        size: fitted.bytes,
        body: createReadStream(fitted.path),
        ...(d.signal ? { signal: d.signal } : {}),
        fitted: { originalBytes, fittedBytes: fitted.bytes, width: fitted.width, height: fitted.height, limitBytes, original: d.original },
      });
      if (outcome.kind === 'uploaded') return { kind: 'uploaded' };
      if (outcome.kind === 'not_allowed') return { kind: 'link', reason: { notAllowed: outcome.code } };
      // Refused for size again: the real limit is lower than the one we fitted to.
      limitBytes = outcome.limitBytes < fitted.bytes ? outcome.limitBytes : Math.floor(fitted.bytes * 0.8);
    }
    return { kind: 'link', reason: 'too_big' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Removes fit directories older than `olderThanMs` (left by a crash); never throws. */
export async function removeStaleFitDirs(dir = tmpdir(), olderThanMs = 60 * 60_000, now = Date.now()): Promise<number> {
  let removed = 0;
  try {
    for (const name of await readdir(dir)) {
      if (!name.startsWith(FIT_DIR_PREFIX)) continue;
      const path = join(dir, name);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isDirectory() || now - info.mtimeMs < olderThanMs) continue;
      await rm(path, { recursive: true, force: true });
      removed++;
    }
  } catch {
    // an unreadable temp directory: nothing to clean
  }
  return removed;
}
