/**
 * Slack files as the core's attachments. Private URLs are fetched with the bot token, only from
 * Slack's own hosts (or the configured API host), never following a redirect elsewhere; the core
 * gets bytes, never the URL or the token (no `publicUrl`), so neither can reach Oxen.
 */
import type { WebClient } from './web-client.js';
import type { IncomingAttachment } from '../core/references/types.js';

/** The fields of a Slack file object the adapter reads. */
export interface SlackFile {
  id: string;
  name?: string;
  title?: string;
  mimetype?: string;
  size?: number;
  mode?: string;
  url_private?: string;
  url_private_download?: string;
}

export interface FileAccess {
  botToken: string;
  /** The Web API base: its host may serve files too (a test fake, a proxy). */
  apiUrl: string;
  fetch?: typeof fetch;
}

/** Whether the bot token may be sent to this URL: Slack's own https hosts or the API host. */
export function mayCarryToken(url: string, apiUrl: string): boolean {
  let target: URL;
  let api: URL;
  try {
    target = new URL(url);
    api = new URL(apiUrl);
  } catch {
    return false;
  }
  if (target.origin === api.origin) return true;
  return target.protocol === 'https:' && (target.hostname === 'slack.com' || target.hostname.endsWith('.slack.com'));
}

/** Fetches a private file with the bot token, following at most 3 redirects, each re-checked. */
export async function fetchPrivate(url: string, access: FileAccess, signal?: AbortSignal): Promise<Response> {
  const doFetch = access.fetch ?? fetch;
  let current = url;
  for (let hop = 0; hop < 4; hop++) {
    if (!mayCarryToken(current, access.apiUrl)) throw new Error('file URL is not on a Slack host');
    const response = await doFetch(current, {
      headers: { authorization: `Bearer ${access.botToken}` },
      redirect: 'manual',
      ...(signal ? { signal } : {}),
    });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      current = new URL(location, current).toString();
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`file download answered ${response.status}`);
    }
    // Without files:read Slack answers its sign-in page with 200.
    if ((response.headers.get('content-type') ?? '').startsWith('text/html')) {
      await response.body?.cancel();
      throw new Error('file download answered a web page (is the files:read scope missing?)');
    }
    return response;
  }
  throw new Error('too many redirects');
}

/** A Slack file the core can download (and stream, so an oversized file is abandoned early). */
export function attachmentOf(file: SlackFile, access: FileAccess): IncomingAttachment {
  const url = file.url_private_download ?? file.url_private;
  const name = file.name ?? file.title ?? file.id;
  const open = async (signal?: AbortSignal) => {
    if (!url) throw new Error(`file ${file.id} has no download URL`);
    return fetchPrivate(url, access, signal);
  };
  return {
    name,
    ...(file.size !== undefined ? { size: file.size } : {}),
    ...(file.mimetype ? { contentType: file.mimetype } : {}),
    async download(signal) {
      const response = await open(signal);
      return new Uint8Array(await response.arrayBuffer());
    },
    async stream(signal) {
      const response = await open(signal);
      if (!response.body) return (async function* () {})();
      return response.body as unknown as AsyncIterable<Uint8Array>;
    },
  };
}

/** Files that can be used: not deleted (tombstones), not hidden by the free plan's limit. */
export const usableFile = (file: SlackFile) => file.mode !== 'tombstone' && file.mode !== 'hidden_by_limit';

/** The full file objects for these ids (files.info), in order; missing ones are left out. */
export async function filesByIds(client: WebClient, ids: readonly string[]): Promise<SlackFile[]> {
  const found = await Promise.all(
    ids.map(async (id) => {
      try {
        const answer = await client.files.info({ file: id });
        return answer.file as SlackFile | undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return found.filter((f): f is SlackFile => f !== undefined && usableFile(f));
}

/** Completes a file object that arrived without URLs (files.info), keeping its order. */
export async function completeFiles(client: WebClient, files: readonly SlackFile[]): Promise<SlackFile[]> {
  const missing = files.filter((f) => !f.url_private && !f.url_private_download).map((f) => f.id);
  if (missing.length === 0) return files.filter(usableFile);
  const fetched = new Map((await filesByIds(client, missing)).map((f) => [f.id, f]));
  return files.map((f) => fetched.get(f.id) ?? f).filter((f) => usableFile(f) && (f.url_private || f.url_private_download));
}

/**
 * The adapter's note stored with a job (JobRecord.origin): the thread to report in and the Slack
 * file ids used, in order, so Retry can fetch the same files again with files.info.
 */
export interface Origin {
  /** thread_ts when the request came from inside a thread. */
  thread?: string;
  files?: string[];
}

export function encodeOrigin(origin: Origin): string | undefined {
  const compact: { t?: string; f?: string[] } = {};
  if (origin.thread) compact.t = origin.thread;
  if (origin.files && origin.files.length > 0) compact.f = origin.files;
  return Object.keys(compact).length > 0 ? JSON.stringify(compact) : undefined;
}

export function decodeOrigin(text: string | undefined): Origin {
  if (!text) return {};
  try {
    const raw = JSON.parse(text) as { t?: unknown; f?: unknown };
    return {
      ...(typeof raw.t === 'string' ? { thread: raw.t } : {}),
      ...(Array.isArray(raw.f) ? { files: raw.f.filter((f): f is string => typeof f === 'string') } : {}),
    };
  } catch {
    return {};
  }
}
