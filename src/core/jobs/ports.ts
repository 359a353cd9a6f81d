/**
 * What an adapter implements for the core: post and update a job's status, open its thread,
 * deliver the video. Abilities a platform may lack are optional members, never fakes.
 */
import type { Readable } from 'node:stream';
import type { GenerationRecord, JobFailure, JobRecord, Platform, Requester } from './job.js';

export type JobPhase = 'waiting' | 'submitting' | 'queued' | 'processing' | 'delivering' | 'done' | 'failed' | 'cancelled' | 'timed_out';

/** Everything an adapter needs to render a job's status message. */
export interface JobView {
  job: JobRecord;
  phase: JobPhase;
  /** Place in our own queue (1 = next), while waiting for a free generation slot. */
  position?: number;
  /** Seconds since the job was sent to Oxen. */
  elapsedSec?: number;
  /** Why the job ended badly, as a code an adapter turns into a sentence. */
  failure?: JobFailure;
}

export interface VideoFile {
  generation: GenerationRecord;
  fileName: string;
  contentType: string;
  /** Bytes, when the server said. */
  size?: number;
  body: Readable;
  /**
   * Aborted when the bot shuts down and the grace period is over: stop the upload (pass it to the
   * HTTP call) and reject. The delivery is handed back and made again by the next start.
   */
  signal?: AbortSignal;
  /** Set when this is a smaller copy made to fit the thread: the message says so and offers the original. */
  fitted?: FittedNote;
}

/** Where the original video stays reachable after a smaller copy (or a link) was posted. */
export interface OriginalLink {
  url: string;
  /** Days the link keeps working (the bot's own link); absent: Oxen's signed link, which expires within hours. */
  keepsDays?: number;
}

export interface FittedNote {
  originalBytes: number;
  fittedBytes: number;
  width: number;
  height: number;
  /** The limit it was made to fit. */
  limitBytes: number;
  original: OriginalLink;
}

export type UploadOutcome =
  | { kind: 'uploaded'; messageId?: string }
  | { kind: 'too_big'; limitBytes: number }
  /** The bot may post but not attach files here: a link goes instead, with `code` (the adapter's own) saying why. */
  | { kind: 'not_allowed'; code: string };

/** Why a link is posted instead of the file; `not_allowed` comes with the adapter's code from uploadVideo. */
export type LinkReason = 'too_big' | 'upload_failed' | { notAllowed: string };

export interface PlatformPort {
  readonly platform: Platform;
  /** Posts the status message in the job's channel and opens the job's thread on it. */
  openThread(job: JobRecord, view: JobView): Promise<{ statusMessageId: string; threadId?: string }>;
  /** Edits the status message. */
  updateStatus(job: JobRecord, view: JobView): Promise<void>;
  /** Uploads a finished video into the thread, streaming it. */
  uploadVideo(job: JobRecord, video: VideoFile): Promise<UploadOutcome>;
  /**
   * Posts a link instead of the file, saying why. `lasting` is set when `url` is the bot's own
   * link to the original (it keeps working that many days); without it the link expires soon.
   */
  postLink(job: JobRecord, generation: GenerationRecord, url: string, reason: LinkReason, lasting?: OriginalLink): Promise<void>;
  /** The largest file the thread accepts, if the platform can tell before an upload. */
  uploadLimitBytes?(job: JobRecord): Promise<number | undefined>;
  /**
   * Whether this generation's video is already in the thread: closes the window between a
   * post and its record after a crash. Platforms that cannot look may leave it out.
   */
  findDelivered?(job: JobRecord, generation: GenerationRecord): Promise<boolean>;
  /**
   * Whether the person has one of these roles (Discord) or is in one of these user groups (Slack):
   * for a server's "who may use the bot" setting, when the request did not carry the answer.
   */
  memberOf?(requester: Requester, groupIds: readonly string[]): Promise<boolean>;
  /**
   * Adds what Oxen charged for this generation (`costText`, from core/cost-view.ts) to the message
   * that delivered it, once the job has ended and the cost was looked up. A failure is only logged.
   */
  noteCost?(job: JobRecord, generation: GenerationRecord, costText: string): Promise<void>;
}
