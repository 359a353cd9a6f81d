/**
 * Delivers one finished generation exactly once: claim it (a lease), check it was not posted
 * already, stream it from Oxen into the thread (or post a link when it is too big), record it
 * delivered, then let the claim go. A crash while holding the claim lets another attempt take
 * it over when the lease expires.
 *
 * Every failed attempt counts (the download, the upload, the link, the look for an earlier post),
 * and the next one waits longer; the count and the time of the next attempt are saved with the
 * generation, so a restart or another instance carries on from there. After a few failed uploads
 * the person gets a link instead (no more downloads); after `maxAttempts` failures in all, or once
 * the job's deadline has passed, the delivery is given up: the generation is marked failed and
 * the engine ends the job as a failed delivery.
 */
import type { OxenClient } from '../oxen/client.js';
import type { ResultStream } from '../oxen/client.js';
import { deliverFitted, type ResultDelivery } from './delivery-fit.js';
import type { GenerationRecord, JobRecord } from './job.js';
import type { LinkReason, OriginalLink, PlatformPort } from './ports.js';
import type { JobStore } from './store.js';

/** Failed uploads of one video before the person gets a link instead. */
export const MAX_UPLOAD_FAILURES = 3;

export interface DeliveryRetry {
  /** Failed attempts of any kind before the delivery is given up. */
  maxAttempts: number;
  /** Wait after the first failure; doubled after each further one, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** 6 attempts over about 5 minutes: 5 s, 10 s, 20 s, 40 s, 80 s between them. */
export const DEFAULT_DELIVERY_RETRY: DeliveryRetry = { maxAttempts: 6, baseDelayMs: 5_000, maxDelayMs: 120_000 };

/** The claim on one generation's delivery. */
export const deliveryLease = (generationId: string) => `deliver:${generationId}`;

/**
 * How a delivery ended: the file uploaded, a smaller copy uploaded because the file was too big
 * ('fitted', with a link to the original), a link because it was too big, a link after repeated
 * upload failures, found already in the thread (posted before a crash), or given up after
 * repeated failures. A failed attempt that will be tried again throws a DeliveryFailed; an
 * attempt that found the claim held elsewhere, or the generation already settled, returns undefined.
 */
export type DeliveryOutcome = 'uploaded' | 'fitted' | 'too_big' | 'not_allowed' | 'link' | 'found' | 'gave_up';

/** A failed attempt that will be tried again, not before `retryAt`. */
export class DeliveryFailed extends Error {
  constructor(
    readonly retryAt: number,
    cause: unknown,
  ) {
    super(`delivery failed (${cause instanceof Error ? cause.message : String(cause)}); next attempt at ${new Date(retryAt).toISOString()}`, { cause });
    this.name = 'DeliveryFailed';
  }
}

export interface DeliveryInput {
  job: JobRecord;
  generation: GenerationRecord;
  port: PlatformPort;
  oxen: OxenClient;
  store: JobStore;
  owner: string;
  leaseMs: number;
  retry?: DeliveryRetry;
  /** The job's deadline: a failed attempt after it (other than the first) gives the delivery up. */
  deadlineAt?: number;
  now?: () => number;
  /**
   * Aborted at shutdown when the grace period is over: the download and upload are cut off, the
   * attempt does not count as a failure, and the claim is let go so the next start delivers it.
   */
  signal?: AbortSignal;
  /** Re-encoding of videos over the limit, and the lasting link to originals; without it, a link. */
  results?: ResultDelivery;
}

export async function deliverGeneration(input: DeliveryInput): Promise<DeliveryOutcome | undefined> {
  const { job, generation, store, owner, leaseMs, signal } = input;
  const lease = deliveryLease(generation.id);
  signal?.throwIfAborted();
  if (!(await store.acquireLease(lease, owner, leaseMs))) return undefined; // another attempt holds it
  const renewal = setInterval(() => void store.acquireLease(lease, owner, leaseMs).catch(() => undefined), Math.max(1000, leaseMs / 3));
  renewal.unref();
  const cut = { body: undefined as ResultStream['body'] | undefined };
  const onAbort = () => {
    clearInterval(renewal); // never take the claim again once it is handed back
    cut.body?.destroy(signal?.reason instanceof Error ? signal.reason : new Error('delivery aborted'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    signal?.throwIfAborted();
    const saved = (await store.get(job.id))?.generations.find((g) => g.id === generation.id);
    if (saved && saved.delivery !== 'pending') {
      Object.assign(generation, saved);
      return undefined;
    }
    if (saved) {
      // Another instance may have counted failures since this copy was read.
      generation.deliveryErrors = Math.max(generation.deliveryErrors ?? 0, saved.deliveryErrors ?? 0);
      generation.deliveryFailures = Math.max(generation.deliveryFailures ?? 0, saved.deliveryFailures ?? 0);
    }
    try {
      return await attempt(input, cut, onAbort);
    } catch (error) {
      // Cut off by a shutdown: not the delivery's fault, so not counted; the next start tries again.
      if (signal?.aborted) throw signal.reason ?? error;
      return await failed(input, error);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    clearInterval(renewal);
    await store.releaseLease(lease, owner).catch(() => undefined);
  }
}

async function attempt(input: DeliveryInput, cut: { body?: ResultStream['body'] }, onAbort: () => void): Promise<DeliveryOutcome> {
  const { job, generation, port, oxen, store, signal } = input;
  if (await port.findDelivered?.(job, generation)) {
    await markDelivered(store, job, generation, 'upload');
    return 'found';
  }
  if ((generation.deliveryFailures ?? 0) >= MAX_UPLOAD_FAILURES) {
    // The upload keeps failing: only the link is tried again, without downloading the video.
    const lasting = input.results?.originalLink?.(job, generation);
    await postOriginal(input, lasting ?? { url: await freshResultUrl(oxen, generation, signal) }, 'upload_failed');
    await markDelivered(store, job, generation, 'link');
    return 'link';
  }
  const result = await openFreshResult(oxen, generation, signal);
  cut.body = result.body;
  if (signal?.aborted) onAbort();
  signal?.throwIfAborted();
  const limit = await port.uploadLimitBytes?.(job).catch((error: unknown) => {
    result.body.destroy();
    throw error;
  });
  if (limit !== undefined && result.contentLength !== undefined && result.contentLength > limit) {
    return tooBig(input, limit, result);
  }
  let outcome;
  try {
    outcome = await port.uploadVideo(job, {
      generation,
      fileName: fileNameOf(job, generation),
      contentType: result.contentType ?? 'video/mp4',
      ...(result.contentLength !== undefined ? { size: result.contentLength } : {}),
      body: result.body,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    result.body.destroy();
    if (signal?.aborted) throw signal.reason ?? error;
    generation.deliveryFailures = (generation.deliveryFailures ?? 0) + 1;
    if (generation.deliveryFailures < MAX_UPLOAD_FAILURES) throw error;
    await postOriginal(input, originalOf(input, result.url), 'upload_failed');
    await markDelivered(store, job, generation, 'link');
    return 'link';
  }
  if (outcome.kind === 'too_big') return tooBig(input, outcome.limitBytes, undefined, result.url);
  if (outcome.kind === 'not_allowed') {
    await postOriginal(input, originalOf(input, result.url), { notAllowed: outcome.code });
    await markDelivered(store, job, generation, 'link');
    return 'not_allowed';
  }
  await markDelivered(store, job, generation, 'upload');
  return 'uploaded';
}

/**
 * Larger than the thread accepts: a smaller copy when a fitter is there (the download `first`, if
 * not read yet, or a fresh one), else, or when it cannot fit, a link to the original.
 */
async function tooBig(input: DeliveryInput, limitBytes: number, first: ResultStream | undefined, url = first?.url ?? ''): Promise<DeliveryOutcome> {
  const { job, generation, port, oxen, store, signal, results } = input;
  const original = originalOf(input, url);
  const fitter = results?.fitter;
  if (!fitter) {
    first?.body.destroy();
    await postOriginal(input, original, 'too_big');
    await markDelivered(store, job, generation, 'link');
    return 'too_big';
  }
  let fit;
  try {
    fit = await deliverFitted({
      job,
      generation,
      port,
      fitter,
      results,
      ...(first ? { first } : {}),
      reopen: () => openFreshResult(oxen, generation, signal),
      limitBytes,
      fileName: fileNameOf(job, generation),
      original,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    first?.body.destroy();
    if (signal?.aborted) throw signal.reason ?? error;
    generation.deliveryFailures = (generation.deliveryFailures ?? 0) + 1;
    if (generation.deliveryFailures < MAX_UPLOAD_FAILURES) throw error;
    await postOriginal(input, original, 'upload_failed');
    await markDelivered(store, job, generation, 'link');
    return 'link';
  }
  if (fit.kind === 'uploaded') {
    await markDelivered(store, job, generation, 'upload');
    return 'fitted';
  }
  await postOriginal(input, original, fit.reason);
  await markDelivered(store, job, generation, 'link');
  return typeof fit.reason === 'object' ? 'not_allowed' : 'too_big';
}

const fileNameOf = (job: JobRecord, generation: GenerationRecord) =>
  `seedance-${job.id}${job.generations.length > 1 ? `-${job.generations.indexOf(generation) + 1}` : ''}.mp4`;

/** The bot's lasting link to the original when it has one, else Oxen's signed URL (it expires). */
function originalOf({ job, generation, results }: DeliveryInput, url: string): OriginalLink {
  return results?.originalLink?.(job, generation) ?? { url: generation.resultUrl ?? url };
}

function postOriginal({ job, generation, port }: DeliveryInput, original: OriginalLink, reason: LinkReason): Promise<void> {
  return port.postLink(job, generation, original.url, reason, original.keepsDays !== undefined ? original : undefined);
}

/** Counts a failed attempt: schedules the next one, or gives the delivery up. */
async function failed({ job, generation, store, retry = DEFAULT_DELIVERY_RETRY, deadlineAt, now = Date.now }: DeliveryInput, error: unknown): Promise<DeliveryOutcome> {
  const errors = (generation.deliveryErrors = (generation.deliveryErrors ?? 0) + 1);
  const at = now();
  const outOfTime = deadlineAt !== undefined && at >= deadlineAt && errors > 1;
  if (errors >= retry.maxAttempts || outOfTime) {
    generation.delivery = 'failed';
    delete generation.nextDeliveryAt;
    job.updatedAt = at;
    await store.put(job);
    return 'gave_up';
  }
  generation.nextDeliveryAt = at + deliveryBackoff(retry, errors);
  job.updatedAt = at;
  // Saved so a restart or another instance waits too; if the store is down the count lives on here.
  await store.put(job).catch(() => undefined);
  throw new DeliveryFailed(generation.nextDeliveryAt, error);
}

/** The wait after the `errors`-th failure. */
export function deliveryBackoff(retry: DeliveryRetry, errors: number): number {
  return Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, errors - 1));
}

/** Result URLs are presigned and expire: when the saved one fails, ask Oxen for a fresh one. */
async function openFreshResult(oxen: OxenClient, generation: GenerationRecord, signal?: AbortSignal): Promise<ResultStream> {
  const options = signal ? { signal } : {};
  if (generation.resultUrl) {
    try {
      return await oxen.openResult(generation.resultUrl, options);
    } catch {
      signal?.throwIfAborted();
      // fall through to a fresh URL
    }
  }
  return oxen.openResult(await freshResultUrl(oxen, generation, signal), options);
}

/** A result URL from Oxen now (the saved one may have expired), without downloading anything. */
async function freshResultUrl(oxen: OxenClient, generation: GenerationRecord, signal?: AbortSignal): Promise<string> {
  const fresh = await oxen.getGeneration(generation.id, signal ? { signal } : {});
  if (!fresh.result_url) throw new Error(`generation ${generation.id} has no result URL`);
  generation.resultUrl = fresh.result_url;
  return fresh.result_url;
}

async function markDelivered(store: JobStore, job: JobRecord, generation: GenerationRecord, as: 'upload' | 'link'): Promise<void> {
  generation.delivery = 'delivered';
  generation.deliveredAs = as;
  generation.deliveredAt = Date.now();
  delete generation.nextDeliveryAt;
  job.updatedAt = Date.now();
  await store.put(job);
}
