/**
 * GET /results/<job id>/<n>/<token>/<name>.mp4: the original of a finished video, for the link
 * posted with a re-encoded copy (src/core/jobs/result-links.ts). Any replica answers: the job is
 * read from the shared store, Oxen is asked for a fresh result URL (its rows persist; the signed
 * URLs do not), and the bytes are streamed through, so the Oxen API key (needed when the result
 * lives in a private repository on the hub) never reaches the person. A few streams at once per
 * process; the rest are told to try again shortly.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { HttpRoute } from '../core/adapter.js';
import type { ResultLinks } from '../core/jobs/result-links.js';
import { RESULTS_PATH } from '../core/jobs/result-links.js';
import type { JobStore } from '../core/jobs/store.js';
import type { Logger } from '../core/log.js';
import type { OxenClient } from '../core/oxen/client.js';

export interface ResultsRouteDeps {
  links: ResultLinks;
  store: Pick<JobStore, 'get'>;
  oxen: Pick<OxenClient, 'getGeneration' | 'openResult'>;
  log: Logger;
  /** Originals streamed at once by this process. Default 4. */
  maxStreams?: number;
}

export function resultsRoute(deps: ResultsRouteDeps): HttpRoute {
  const maxStreams = deps.maxStreams ?? 4;
  let streaming = 0;
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (!path.startsWith(RESULTS_PATH)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      text(res, 405, 'Only GET and HEAD are answered here.', { allow: 'GET, HEAD' });
      return true;
    }
    const address = deps.links.parse(path);
    if (!address) {
      text(res, 404, 'No video at this address. Check that the link was copied whole.');
      return true;
    }
    const job = await deps.store.get(address.jobId);
    const generation = job?.generations[address.index - 1];
    if (!generation || generation.status !== 'succeeded') {
      text(res, 404, `This video is no longer kept (finished videos are kept ${deps.links.keepsDays} days).`);
      return true;
    }
    if (streaming >= maxStreams) {
      text(res, 503, 'Busy sending other videos: try again in a few seconds.', { 'retry-after': '5' });
      return true;
    }
    streaming++;
    const abort = new AbortController();
    const onClose = () => abort.abort(new Error('the client went away'));
    res.once('close', onClose);
    try {
      await stream(deps, req, res, generation.id, address.jobId, abort.signal);
    } finally {
      streaming--;
      res.off('close', onClose);
    }
    return true;
  };
}

async function stream(deps: ResultsRouteDeps, req: IncomingMessage, res: ServerResponse, generationId: string, jobId: string, signal: AbortSignal): Promise<void> {
  let result;
  try {
    const row = await deps.oxen.getGeneration(generationId, { signal });
    if (!row.result_url) throw new Error(`generation ${generationId} has no result URL`);
    result = await deps.oxen.openResult(row.result_url, { signal });
  } catch (error) {
    if (signal.aborted) return;
    deps.log.warn('results.fetch_failed', { job: jobId, error });
    text(res, 502, 'Oxen did not hand over the video just now: try again in a minute.');
    return;
  }
  res.writeHead(200, {
    'content-type': 'video/mp4',
    'content-disposition': `inline; filename="seedance-${jobId}.mp4"`,
    'cache-control': 'private, max-age=3600',
    'x-content-type-options': 'nosniff',
    ...(result.contentLength !== undefined ? { 'content-length': String(result.contentLength) } : {}),
  });
  if (req.method === 'HEAD') {
    result.body.destroy();
    res.end();
    return;
  }
  try {
    await pipeline(result.body, res);
  } catch (error) {
    result.body.destroy();
    if (!signal.aborted) deps.log.warn('results.stream_failed', { job: jobId, error });
    res.destroy();
  }
}

function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
