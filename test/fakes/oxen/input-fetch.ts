/**
 * What Oxen does with the media URLs of a queued body: it downloads them (oxen-api.md §7: "the URL
 * must be publicly downloadable"; a URL it cannot fetch fails the job with "... 403 Client Error:
 * Forbidden for url: ..."). Off by default (most tests host references at an address nobody
 * serves); with `fetchInputs` the fake fetches every media field at enqueue, keeps what it got,
 * and a fetch that fails makes the generations fail when they start.
 */

/** The body fields that carry media URLs, in the image-to-video and reference-to-video schemas. */
export const MEDIA_FIELDS = ['input_image', 'tail_image_url', 'input_face_images', 'input_images', 'input_face_videos', 'input_videos', 'input_audios'] as const;
export type MediaField = (typeof MEDIA_FIELDS)[number];

export interface FetchedInput {
  field: MediaField;
  url: string;
  /** HTTP status, or 0 when the fetch itself failed (refused, timed out). */
  status: number;
  contentType?: string;
  /** The bytes, when the status was 2xx. */
  bytes?: Uint8Array;
}

const FETCH_TIMEOUT_MS = 5_000;

/** Fetches every media URL of `body`, one after another, in field order. */
export async function fetchInputs(body: Record<string, unknown>): Promise<FetchedInput[]> {
  const fetched: FetchedInput[] = [];
  for (const field of MEDIA_FIELDS) {
    const value = body[field];
    const urls = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    for (const url of urls) fetched.push(await fetchOne(field, url));
  }
  return fetched;
}

async function fetchOne(field: MediaField, url: string): Promise<FetchedInput> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' });
    const contentType = response.headers.get('content-type') ?? undefined;
    if (!response.ok) {
      await response.body?.cancel();
      return { field, url, status: response.status, ...(contentType ? { contentType } : {}) };
    }
    return { field, url, status: response.status, ...(contentType ? { contentType } : {}), bytes: new Uint8Array(await response.arrayBuffer()) };
  } catch {
    return { field, url, status: 0 };
  }
}

/** The error_message Oxen gives a job whose input it could not download (the model's own words). */
export function fetchFailure(inputs: readonly FetchedInput[]): string | undefined {
  const bad = inputs.find((i) => i.status < 200 || i.status >= 300);
  if (!bad) return undefined;
  const reason = bad.status === 0 ? 'Connection error' : `${bad.status} Client Error: ${bad.status === 403 ? 'Forbidden' : bad.status === 404 ? 'Not Found' : 'Error'}`;
  return `Getting model response error: ${reason} for url: ${bad.url}`;
}
