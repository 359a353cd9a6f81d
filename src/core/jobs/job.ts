/** The job record: everything needed to finish a job after a restart, on any instance. */
import type { EffectiveSettings } from '../models/translate.js';
import { randomInt } from 'node:crypto';
import type { GenerationRequest } from '../request.js';
import type { GenerationStatus } from '../oxen/types.js';
import type { ReferenceKind } from '../references/types.js';

/** cli: the operator's terminal (src/cli); its jobs live in its own store, never in the bot's. */
export type Platform = 'discord' | 'slack' | 'cli';

/**
 * waiting: saved, waiting for a free generation slot (our own fair queue).
 * submitting: references being hosted and the job enqueued at Oxen; ids not saved yet.
 * running: at Oxen (see each generation's status).
 * Terminal: done (every generation ended and every success delivered), failed, cancelled, timed_out.
 */
export const JOB_STATES = ['waiting', 'submitting', 'running', 'done', 'failed', 'cancelled', 'timed_out'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const TERMINAL_JOB_STATES: readonly JobState[] = ['done', 'failed', 'cancelled', 'timed_out'];
export const isTerminal = (state: JobState) => TERMINAL_JOB_STATES.includes(state);

export interface Requester {
  platform: Platform;
  userId: string;
  displayName?: string;
  /** Guild (Discord) or workspace (Slack): the scope budgets are counted in. */
  scopeId: string;
}

/** Where a job reports: the channel, the status message and the thread opened on it. */
export interface Destination {
  platform: Platform;
  channelId: string;
  statusMessageId?: string;
  threadId?: string;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface GenerationRecord {
  id: string;
  status: GenerationStatus;
  resultUrl?: string;
  error?: string;
  delivery: DeliveryState;
  deliveredAt?: number;
  /** What the adapter reported: an uploaded file, or a link because the file was too big. */
  deliveredAs?: 'upload' | 'link';
  /** When the bot learned the video was ready: delivery latency is measured from here. */
  succeededAt?: number;
  /** Failed upload attempts so far; after a few, a link is posted instead. */
  deliveryFailures?: number;
  /** Failed delivery attempts of any kind (download, upload, link); after a few it is given up (delivery 'failed'). */
  deliveryErrors?: number;
  /** No delivery attempt before this time (the backoff after a failure), across restarts and instances. */
  nextDeliveryAt?: number;
  /** What Oxen says it charged (a decimal string, dollars), read when the job ended (jobs/costs.ts). */
  cost?: string;
  /** Oxen gave no cost when it was asked. */
  costUnknown?: boolean;
}

/** Why a job ended badly: a stable code, Oxen's words when there are any, the deadline when it timed out. */
export interface JobFailure {
  code: string;
  detail?: string;
  /** job.timed_out: the deadline that was passed (JOB_TIMEOUT_MINUTES). */
  limitMinutes?: number;
}

export interface ReferenceSummary {
  name: string;
  label: string;
  kind: ReferenceKind;
  size: number;
  durationSec?: number;
  /** What conversion did to the file (see Reference.note), shown next to its label. */
  note?: string;
  /** Marked as showing a real person and sent in the model's face field. */
  face?: boolean;
  /** The label the model sees when it differs (face media is numbered first; references/faces.ts). */
  sentAs?: string;
}

export interface JobRecord {
  id: string;
  state: JobState;
  requester: Requester;
  destination: Destination;
  request: GenerationRequest;
  modelId: string;
  /**
   * The body sent to Oxen, without hosted reference URLs (they are added at enqueue). Its `prompt`
   * is the one the model receives (labels renumbered for faces), shown to people as "sent".
   */
  body: Record<string, unknown>;
  /** What the model was asked to make (resolution, length, audio...), for summaries. */
  settings?: EffectiveSettings;
  references: ReferenceSummary[];
  generations: GenerationRecord[];
  /** Video-seconds (and dollars, when the price is known) held against the scope's budget. */
  reservation: { day: string; videoSeconds: number; usd?: number; settled: boolean; /** Also counted in the person's own daily counters. */ person?: boolean };
  createdAt: number;
  updatedAt: number;
  /** When the enqueue was attempted: to find a half-submitted job in Oxen's queue after a crash. */
  submittedAt?: number;
  startedAt?: number;
  endedAt?: number;
  attempts: number;
  /** Why the job failed, as a stable code and the server's words when there are any. */
  failure?: JobFailure;
  /** Options whose value came from the server's or channel's settings, not from the request (shown with the parameters). */
  settingSources?: Partial<Record<string, 'server' | 'channel'>>;
  /** Set when this job is a retry of another. */
  retryOf?: string;
  /**
   * Set when this job remixes another's video (src/core/recall/remix.ts): generation `index` of
   * `jobId` is its @Video1, with that job's references at `kept` beside it (a retry keeps them).
   */
  remixOf?: { jobId: string; index: number; kept: number[] };
  /**
   * The adapter's own note of where the attachments came from (message ids, file ids), opaque to
   * the core, so Retry can fetch the same files again. Keep it small: it is stored with the job.
   */
  origin?: string;
}

// No 0/O, 1/l/I: ids are read aloud and typed by people.
const ID_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A short id people can type (`/video cancel k3m9qz`): 31^6 ≈ 887 million. */
export function newJobId(): string {
  let id = '';
  for (let i = 0; i < 6; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

export const isJobId = (text: string) => /^[a-hj-km-np-z2-9]{6}$/.test(text.trim().toLowerCase());
