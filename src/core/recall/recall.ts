/**
 * Recall one job by its id (Discord `/jobs id:…`, Slack `/video show …`): its state, parameters,
 * cost, videos and buttons, to anyone in the same server or workspace. A job of another server is
 * answered exactly like an id nobody has, so ids cannot be probed across servers.
 */
import type { GenerationRecord, JobRecord, Platform } from '../jobs/job.js';
import type { JobView, OriginalLink } from '../jobs/ports.js';
import type { GenerationOptions } from '../request.js';
import { fail, ok, type Result } from '../result.js';
import { echoedId, readJobId } from './job-id.js';

/** Who asks, and in which server (Discord guild) or workspace (Slack team). */
export interface Viewer {
  platform: Platform;
  userId: string;
  scopeId: string;
}

export interface RecalledVideo {
  /** 1-based, among the job's generations. */
  index: number;
  generation: GenerationRecord;
  /** The bot's lasting link to the original, when the bot has a public address (PUBLIC_BASE_URL). */
  link?: OriginalLink;
}

export interface Recalled {
  view: JobView;
  /** The viewer may use the owner's buttons (Cancel, Retry, Edit prompt, Remix): the owner or an admin. */
  mayControl: boolean;
  /** The finished videos, in order. */
  videos: RecalledVideo[];
}

export interface RecallDeps {
  get(id: string): Promise<JobRecord | undefined>;
  view(job: JobRecord): Promise<JobView>;
  isAdmin(actor: { platform: Platform; userId: string }): boolean;
  linkFor?(job: JobRecord, generation: GenerationRecord): OriginalLink | undefined;
}

export async function recallJob(deps: RecallDeps, text: string, viewer: Viewer): Promise<Result<Recalled>> {
  const id = readJobId(text);
  if (!id) return fail({ code: 'job.bad_id', params: { id: echoedId(text) } });
  const job = await deps.get(id);
  if (!job || job.requester.platform !== viewer.platform || job.requester.scopeId !== viewer.scopeId) return fail({ code: 'job.not_found', params: { id } });
  const owner = job.requester.userId === viewer.userId;
  const videos = job.generations.flatMap((generation, i) => {
    if (generation.status !== 'succeeded') return [];
    const link = deps.linkFor?.(job, generation);
    return [{ index: i + 1, generation, ...(link ? { link } : {}) }];
  });
  return ok({ view: await deps.view(job), mayControl: owner || deps.isAdmin(viewer), videos });
}

/**
 * The options a remix starts from: the job's own, as reference-to-video (frames are for
 * image-to-video), with the face marks of the references that go along under their new labels.
 */
export function remixOptions(job: JobRecord, faces: readonly string[]): GenerationOptions {
  const { faces: _before, ...options } = job.request.options;
  return { ...options, mode: 'reference', frames: 'off', ...(faces.length > 0 ? { faces } : {}) };
}

/** The job's cost as far as the record knows it: the estimate held against the allowance (plain text, every platform). */
export function costText(job: Pick<JobRecord, 'reservation'>): string {
  const held = job.reservation;
  const usd = held.usd !== undefined ? `$${held.usd.toFixed(2)} for ` : '';
  return `Cost: estimated ${usd}${held.videoSeconds} video-seconds${held.settled ? '' : ' (held until it ends)'}`;
}
