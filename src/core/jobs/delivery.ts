/**
 * Delivers one finished generation exactly once: claim it (a lease), check it was not posted
 * already, stream it from Oxen into the thread (or post a link when it is too big), record it
 * delivered, then let the claim go. A crash while holding the claim lets another attempt take
 * it over when the lease expires.
 */
import type { OxenClient } from '../oxen/client.js';
import type { ResultStream } from '../oxen/client.js';
import type { GenerationRecord, JobRecord } from './job.js';
import type { PlatformPort } from './ports.js';
import type { JobStore } from './store.js';

/** Failed uploads of one video before the person gets a link instead. */
export const MAX_UPLOAD_FAILURES = 3;

/** The claim on one generation's delivery. */
export const deliveryLease = (generationId: string) => `deliver:${generationId}`;

/**
 * How a delivery ended: the file uploaded, a link because it was too big, a link after repeated
 * upload failures, or found already in the thread (posted before a crash). A failed attempt that
 * will be tried again throws instead; an attempt that found the claim held elsewhere, or the
 * generation already delivered, returns undefined.
 */
export type DeliveryOutcome = 'uploaded' | 'too_big' | 'not_allowed' | 'link' | 'found';

export interface DeliveryInput {
  job: JobRecord;
  generation: GenerationRecord;
  port: PlatformPort;
  oxen: OxenClient;
  store: JobStore;
  owner: string;
  leaseMs: number;
  /**
   * Aborted at shutdown when the grace period is over: the download and upload are cut off, the
   * attempt does not count as a failure, and the claim is let go so the next start delivers it.
   */
  signal?: AbortSignal;
}

export async function deliverGeneration({ job, generation, port, oxen, store, owner, leaseMs, signal }: DeliveryInput): Promise<DeliveryOutcome | undefined> {
  const lease = deliveryLease(generation.id);
  signal?.throwIfAborted();
  if (!(await store.acquireLease(lease, owner, leaseMs))) return undefined; // another attempt holds it
  const renewal = setInterval(() => void store.acquireLease(lease, owner, leaseMs).catch(() => undefined), Math.max(1000, leaseMs / 3));
  renewal.unref();
  let body: ResultStream['body'] | undefined;
  const onAbort = () => {
    clearInterval(renewal); // never take the claim again once it is handed back
    body?.destroy(signal?.reason instanceof Error ? signal.reason : new Error('delivery aborted'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    signal?.throwIfAborted();
    const saved = (await store.get(job.id))?.generations.find((g) => g.id === generation.id);
    if (saved && saved.delivery !== 'pending') {
      Object.assign(generation, saved);
      return undefined;
    }
    if (await port.findDelivered?.(job, generation)) {
      await markDelivered(store, job, generation, 'upload');
      return 'found';
    }
    const result = await openFreshResult(oxen, generation, signal);
    body = result.body;
    if (signal?.aborted) onAbort();
    signal?.throwIfAborted();
    const limit = await port.uploadLimitBytes?.(job);
    if (limit !== undefined && result.contentLength !== undefined && result.contentLength > limit) {
      result.body.destroy();
      await port.postLink(job, generation, result.url, 'too_big');
      await markDelivered(store, job, generation, 'link');
      return 'too_big';
    }
    const index = job.generations.indexOf(generation) + 1;
    let outcome;
    try {
      outcome = await port.uploadVideo(job, {
        generation,
        fileName: `seedance-${job.id}${job.generations.length > 1 ? `-${index}` : ''}.mp4`,
        contentType: result.contentType ?? 'video/mp4',
        ...(result.contentLength !== undefined ? { size: result.contentLength } : {}),
        body: result.body,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      result.body.destroy();
      // Cut off by a shutdown: not the upload's fault, so not counted; the next start tries again.
      if (signal?.aborted) throw signal.reason;
      generation.deliveryFailures = (generation.deliveryFailures ?? 0) + 1;
      if (generation.deliveryFailures < MAX_UPLOAD_FAILURES) {
        await store.put(job);
        throw error;
      }
      await port.postLink(job, generation, generation.resultUrl ?? result.url, 'upload_failed');
      await markDelivered(store, job, generation, 'link');
      return 'link';
    }
    if (outcome.kind === 'too_big') {
      await port.postLink(job, generation, generation.resultUrl ?? result.url, 'too_big');
      await markDelivered(store, job, generation, 'link');
      return 'too_big';
    }
    if (outcome.kind === 'not_allowed') {
      await port.postLink(job, generation, generation.resultUrl ?? result.url, { notAllowed: outcome.code });
      await markDelivered(store, job, generation, 'link');
      return 'not_allowed';
    }
    await markDelivered(store, job, generation, 'upload');
    return 'uploaded';
  } finally {
    signal?.removeEventListener('abort', onAbort);
    clearInterval(renewal);
    await store.releaseLease(lease, owner);
  }
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
  const fresh = await oxen.getGeneration(generation.id, options);
  if (!fresh.result_url) throw new Error(`generation ${generation.id} has no result URL`);
  generation.resultUrl = fresh.result_url;
  return oxen.openResult(fresh.result_url, options);
}

async function markDelivered(store: JobStore, job: JobRecord, generation: GenerationRecord, as: 'upload' | 'link'): Promise<void> {
  generation.delivery = 'delivered';
  generation.deliveredAs = as;
  generation.deliveredAt = Date.now();
  job.updatedAt = Date.now();
  await store.put(job);
}
