/**
 * Opens a result URL as a stream. Redirects are followed by hand (at most 5) so that the
 * Authorization header is decided per hop: sent to the hub's own origin only, never elsewhere.
 */
import { OxenError } from './errors.js';
import { discard, headerValue, type Exchange, type ResponseBody } from './http.js';
import { isSuccess } from './responses.js';

export const MAX_RESULT_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface ResultStream {
  /** Where the bytes finally came from, after redirects. */
  url: string;
  contentType?: string;
  contentLength?: number;
  /**
   * The bytes. Read them (for await, pipeline, arrayBuffer), which reports failures, or stop with
   * `body.destroy()` (safe: it does not raise an unhandled error).
   */
  body: ResponseBody;
}

export interface ResultHop {
  url: string;
  /** True only when the URL's origin is the hub's: the one case the key may go along. */
  withApiKey: boolean;
}

export interface ResultDownloadDeps {
  baseUrl: string;
  hubOrigin: string;
  get(hop: ResultHop): Promise<Exchange>;
  errorOf(ex: Exchange): Promise<OxenError>;
}

export async function openResultStream(url: string, deps: ResultDownloadDeps): Promise<ResultStream> {
  let current = new URL(url, `${deps.baseUrl}/`);
  for (let redirects = 0; ; redirects += 1) {
    if (current.protocol !== 'https:' && current.protocol !== 'http:') {
      throw new OxenError('bad_response', `Oxen result URL uses ${current.protocol}, not http(s)`);
    }
    const ex = await deps.get({ url: current.href, withApiKey: current.origin === deps.hubOrigin });
    if (REDIRECT_STATUSES.has(ex.status)) {
      const location = headerValue(ex.headers, 'location');
      discard(ex.body);
      ex.release();
      if (!location) throw new OxenError('bad_response', `Oxen result download was redirected (${ex.status}) without a Location`);
      if (redirects >= MAX_RESULT_REDIRECTS) {
        throw new OxenError('bad_response', `Oxen result download was redirected more than ${MAX_RESULT_REDIRECTS} times`);
      }
      current = new URL(location, current);
      continue;
    }
    if (!isSuccess(ex.status)) throw await deps.errorOf(ex);
    ex.release();
    ex.body.on('error', () => undefined);
    const contentType = headerValue(ex.headers, 'content-type');
    const contentLength = Number(headerValue(ex.headers, 'content-length') ?? Number.NaN);
    return {
      url: current.href,
      body: ex.body,
      ...(contentType ? { contentType } : {}),
      ...(Number.isFinite(contentLength) && contentLength >= 0 ? { contentLength } : {}),
    };
  }
}
