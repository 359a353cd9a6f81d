/** Checks of the client's construction options: fail at start-up, not on the first call. */
import { OxenError } from './errors.js';

export const DEFAULT_BASE_URL = 'https://hub.oxen.ai';
/** Must never contain "oxen": the hub takes such agents for its CLI and answers 426. */
export const DEFAULT_USER_AGENT = 'seedance-bot/0.1 (+discord,slack)';

export function validApiKey(apiKey: string): string {
  if (typeof apiKey !== 'string' || apiKey.trim() === '') throw new OxenError('unauthenticated', 'An Oxen API key is required');
  if (/[\r\n]/.test(apiKey)) throw new OxenError('unauthenticated', 'The Oxen API key contains a line break');
  return apiKey.trim();
}

/** Oxen answers 426 to any agent containing "oxen" (its CLI gate), so such an agent is refused here. */
export function validUserAgent(userAgent: string): string {
  if (/oxen/i.test(userAgent)) {
    throw new OxenError(
      'update_required',
      'The User-Agent must not contain "oxen": the Oxen hub takes such clients for its CLI and answers 426',
    );
  }
  if (!/^[\x20-\x7e]+$/.test(userAgent)) throw new OxenError('invalid_params', 'The User-Agent must be printable ASCII');
  return userAgent;
}

export function validBaseUrl(baseUrl: string): URL {
  if (!URL.canParse(baseUrl)) throw new OxenError('invalid_params', 'The Oxen base URL is not a URL');
  const url = new URL(baseUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new OxenError('invalid_params', 'The Oxen base URL must be http(s)');
  }
  return url;
}
