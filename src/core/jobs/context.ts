/**
 * What the engine's steps share: the jobs this instance follows, one lock per job, saving and
 * reporting, and a handle on every step (admission, launch, following and its safety net,
 * delivery, ending, status messages, takeover) so each can hand a job on to the next.
 */
import { randomUUID } from 'node:crypto';
import { Admission } from './admission.js';
import { DeliveryRunner } from './delivery-runner.js';
import { CostLookup } from './costs.js';
import { DEFAULT_ENGINE_SETTINGS, type EngineDeps, type EngineEvents, type EngineSettings } from './engine-settings.js';
import { Finisher } from './finish.js';
import { Follower } from './follow.js';
import type { JobRecord } from './job.js';
import { Launcher } from './launch.js';
import { Mutex } from './mutex.js';
import { SafetyNet } from './safety-net.js';
import { StatusMessages } from './status.js';
import { Takeover } from './takeover.js';
import type { SaveOptions } from './store.js';

/** The set of jobs holding a global generation slot. */
export const INFLIGHT = 'inflight';
export const jobLease = (id: string) => `job:${id}`;
export const userSet = (job: Pick<JobRecord, 'requester'>) => `user:${job.requester.platform}:${job.requester.userId}`;

export class EngineContext {
  readonly settings: EngineSettings;
  /** Jobs this instance holds the lease of and acts on. */
  readonly tracked = new Map<string, JobRecord>();
  readonly byGeneration = new Map<string, string>();
  /** New jobs claimed by submit() and not admitted yet: a takeover must not adopt them. */
  readonly admitting = new Set<string>();
  readonly abort = new AbortController();
  private readonly locks = new Map<string, Mutex>();
  streamUp = false;
  stopped = false;

  readonly admission: Admission;
  readonly launcher: Launcher;
  readonly follower: Follower;
  readonly safetyNet: SafetyNet;
  readonly deliveries: DeliveryRunner;
  readonly finisher: Finisher;
  readonly status: StatusMessages;
  readonly takeover: Takeover;
  /** What each finished video cost, read from Oxen when its job ends. */
  readonly costs: CostLookup;

  constructor(readonly deps: EngineDeps, settings: Partial<EngineSettings> = {}) {
    this.settings = { ...DEFAULT_ENGINE_SETTINGS, instanceId: randomUUID(), ...settings };
    this.admission = new Admission(this);
    this.launcher = new Launcher(this);
    this.follower = new Follower(this);
    this.safetyNet = new SafetyNet(this);
    this.deliveries = new DeliveryRunner(this);
    this.finisher = new Finisher(this);
    this.status = new StatusMessages(this);
    this.takeover = new Takeover(this);
    this.costs = new CostLookup(deps.oxen, { tagRepo: this.settings.tagRepo, onError: (error) => this.report(error, 'cost') });
  }

  track(job: JobRecord): void {
    this.tracked.set(job.id, job);
    for (const g of job.generations) this.byGeneration.set(g.id, job.id);
  }

  untrack(id: string): void {
    const job = this.tracked.get(id);
    for (const g of job?.generations ?? []) this.byGeneration.delete(g.id);
    this.tracked.delete(id);
    this.follower.forget(id);
    this.status.forget(id);
    this.admission.forget(id);
    this.locks.delete(id);
  }

  /** Runs a read-modify-write of one job after the others on it (one process). */
  withJob<T>(id: string, section: () => Promise<T>): Promise<T> {
    let lock = this.locks.get(id);
    if (!lock) this.locks.set(id, (lock = new Mutex()));
    return lock.run(section);
  }

  /** Waits for every section under way on any job. */
  async settleLocks(): Promise<void> {
    await Promise.all([...this.locks.values()].map((lock) => lock.run(async () => undefined)));
  }

  async save(job: JobRecord, options?: SaveOptions): Promise<void> {
    const redact = this.deps.redact;
    if (redact) {
      if (job.failure?.detail) job.failure.detail = redact(job.failure.detail);
      for (const g of job.generations) if (g.error) g.error = redact(g.error);
    }
    job.updatedAt = this.settings.now();
    await this.deps.store.put(job, options);
    this.tell('saved', job);
  }

  tell<K extends keyof EngineEvents>(event: K, ...args: Parameters<NonNullable<EngineEvents[K]>>): void {
    try {
      (this.deps.events?.[event] as ((...a: typeof args) => void) | undefined)?.(...args);
    } catch (error) {
      this.report(error, `events.${event}`);
    }
  }

  report(error: unknown, step: string, jobId?: string): void {
    this.deps.onError?.(error, { step, ...(jobId ? { jobId } : {}) });
  }
}
