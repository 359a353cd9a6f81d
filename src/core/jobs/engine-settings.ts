/** The engine's settings, defaults, dependencies and the hooks it reports through. */
import type { OxenClient } from '../oxen/client.js';
import type { RequestSchema } from '../oxen/types.js';
import type { Reference, ReferenceHost } from '../references/types.js';
import type { CatalogEntry } from '../models/catalog.js';
import type { DeliveryOutcome } from './delivery.js';
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
  /** Polling of a job with no news: first wait, and the longest, while the stream is up. */
  pollMinMs: number;
  pollMaxMs: number;
  /** Polling while the completion stream is down. */
  pollWithoutStreamMs: number;
  leaseTtlMs: number;
  leaseRenewMs: number;
  deliveryLeaseMs: number;
  /** How often the engine looks at due polls, deadlines and progress. */
  tickMs: number;
  /** Polls of Oxen under way at once. */
  maxConcurrentPolls: number;
  now: () => number;
}

export const DEFAULT_ENGINE_SETTINGS: Omit<EngineSettings, 'instanceId'> = {
  globalLimit: 20,
  deadlineMs: 30 * 60_000,
  progressIntervalMs: 10_000,
  pollMinMs: 15_000,
  pollMaxMs: 120_000,
  pollWithoutStreamMs: 5_000,
  leaseTtlMs: 30_000,
  leaseRenewMs: 10_000,
  deliveryLeaseMs: 120_000,
  tickMs: 1_000,
  maxConcurrentPolls: 200,
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
  /** DeliveryOutcome, 'failed' (will be tried again) or 'handed_back' (cut off by a shutdown). */
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
