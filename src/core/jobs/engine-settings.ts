/** The engine's settings, defaults, dependencies and the hooks it reports through. */
import type { OxenClient } from '../oxen/client.js';
import type { RequestSchema } from '../oxen/types.js';
import type { Reference, ReferenceHost } from '../references/types.js';
import type { CatalogEntry } from '../models/catalog.js';
import { DEFAULT_REFERENCE_REPO } from '../references/oxen-host.js';
import { DEFAULT_DELIVERY_RETRY, type DeliveryOutcome, type DeliveryRetry } from './delivery.js';
import type { ResultDelivery } from './delivery-fit.js';
import type { GenerationRecord, JobRecord } from './job.js';
import type { PlatformPort } from './ports.js';
import type { JobStore } from './store.js';

export interface EngineSettings {
  instanceId: string;
  /** Generations in flight at Oxen across all instances. */
  globalLimit: number;
  /** After this long at Oxen a job is cancelled and the person told. */
  deadlineMs: number;
  /** Least time between two progress edits of one status message. */
  progressIntervalMs: number;
  /**
   * The safety net under the completion stream: one listing of this bot's active jobs at Oxen
   * (GET /api/ai/queue?repo=<tagRepo>) for all of them, this often while the stream is up...
   */
  listEveryMs: number;
  /** ...and this often while it is down (also the wait before a failed step is tried again). */
  pollWithoutStreamMs: number;
  /**
   * The Oxen repository named in every enqueue as `target_repo`, with `target_directory`
   * `jobs/<job id>/<attempt>`: the tag a job is found by when Oxen's answer is lost, and the
   * filter of the safety-net listing. OXEN_REFERENCE_REPO.
   */
  tagRepo: string;
  /** After a lost enqueue answer found nothing under the job's tag: wait this long and look once more. */
  confirmDelayMs: number;
  leaseTtlMs: number;
  leaseRenewMs: number;
  /** How long places in the shared waiting line are shown from the cache before the line is read again. */
  positionsTtlMs: number;
  /** How often slot-set members whose job is missing or ended are dropped (also at start-up). */
  repairEveryMs: number;
  deliveryLeaseMs: number;
  /** Failed deliveries: attempts before the job ends as a failed delivery, and the backoff between them. */
  deliveryRetry: DeliveryRetry;
  /** How often the engine looks at due listings, deadlines and progress. */
  tickMs: number;
  /** Single-generation lookups (GET /api/ai/queue/{id}) one safety-net round may send. */
  maxLookupsPerRound: number;
  now: () => number;
}

export const DEFAULT_ENGINE_SETTINGS: Omit<EngineSettings, 'instanceId'> = {
  globalLimit: 20,
  deadlineMs: 30 * 60_000,
  progressIntervalMs: 10_000,
  listEveryMs: 15_000,
  pollWithoutStreamMs: 5_000,
  tagRepo: DEFAULT_REFERENCE_REPO,
  confirmDelayMs: 10_000,
  leaseTtlMs: 30_000,
  leaseRenewMs: 10_000,
  repairEveryMs: 5 * 60_000,
  positionsTtlMs: 1_000,
  deliveryLeaseMs: 120_000,
  deliveryRetry: DEFAULT_DELIVERY_RETRY,
  tickMs: 1_000,
  maxLookupsPerRound: 20,
  now: Date.now,
};

/** What a job needs to reach Oxen that is not in its record: the model schema and the files. */
export interface Launch {
  model: CatalogEntry;
  schema: RequestSchema;
  references: Reference[];
}

export interface EngineDeps {
  store: JobStore;
  oxen: OxenClient;
  host: ReferenceHost;
  ports: ReadonlyMap<string, PlatformPort>;
  /**
   * What a waiting job needs to reach Oxen, looked up when it is launched (the files read back from
   * the reference store, so queued jobs hold no bytes in memory, and a restart loses none).
   * Undefined when the job had files and they are gone.
   */
  relaunch(job: JobRecord): Promise<Launch | undefined>;
  onError?(error: unknown, context: { jobId?: string; step: string }): void;
  /** What happens to jobs, for logs and metrics. Each hook must not throw. */
  events?: EngineEvents;
  /**
   * Masks secrets in text from the outside (Oxen's failure reasons) before it is saved and shown
   * to people: Oxen may echo the API key, or anything a prompt carried. Default: unchanged.
   */
  redact?(text: string): string;
  /** A safety-net round ended: every open generation of this instance's jobs was checked. Must not throw. */
  onSweep?(report: SweepReport): void;
  /** Videos over the thread's limit: re-encoding and the lasting link to originals (delivery-fit.ts). */
  results?: ResultDelivery;
}

export interface SweepReport {
  /** Open generations of this instance's jobs the round checked. */
  generations: number;
  /** Requests to Oxen the round sent (listings and single lookups). */
  requests: number;
  /** Generations that had left the active listing and whose end the round looked up. */
  lookedUp: number;
}

export interface EngineEvents {
  /** A job's record was saved by this engine (its state may have changed). */
  saved?(job: JobRecord): void;
  /** A job ended in a terminal state. */
  ended?(job: JobRecord): void;
  /** A delivery attempt ended. `latencyMs`: from the video being ready to it being in the thread. */
  delivery?(report: DeliveryReport): void;
}

export interface DeliveryReport {
  job: JobRecord;
  generation: GenerationRecord;
  /** DeliveryOutcome ('gave_up': the job ends as a failed delivery), 'failed' (will be tried again) or 'handed_back' (cut off by a shutdown). */
  outcome: DeliveryOutcome | 'failed' | 'handed_back';
  latencyMs?: number;
}

export interface StopOptions {
  /**
   * Give the job leases back so another instance (or the next start) takes the jobs at once.
   * `false` leaves them to expire, as a crash would, and does not wait for deliveries.
   */
  handBack?: boolean;
  /**
   * How long uploads in progress may take to finish. Those still running then are cut off and
   * their claims given back, to be delivered by the next owner. Default 5 s.
   */
  graceMs?: number;
}
