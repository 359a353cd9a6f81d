/**
 * The job engine: dispatches waiting jobs to Oxen in fair order within the global cap, follows
 * every owned job over one completion stream with polling as the safety net, enforces the
 * deadline, delivers each success exactly once, and settles budgets. Ownership of a job is a
 * lease in the store, so several instances can share one Redis and take over a dead one's jobs.
 */
import { randomUUID } from 'node:crypto';
import { subscribeCompletions } from '../oxen/completions.js';
import type { OxenClient } from '../oxen/client.js';
import { OxenError } from '../oxen/errors.js';
import type { CompletionEvent, GenerationStatus, QueueGeneration } from '../oxen/types.js';
import { TERMINAL_STATUSES } from '../oxen/types.js';
import { bodyForPlan } from '../plan.js';
import type { Reference, ReferenceHost } from '../references/types.js';
import type { CatalogEntry } from '../models/catalog.js';
import type { RequestSchema } from '../oxen/types.js';
import { deliverGeneration, deliveryLease, type DeliveryOutcome } from './delivery.js';
import { FairQueue } from './fair-queue.js';
import type { GenerationRecord, JobRecord, JobState } from './job.js';
import { isTerminal } from './job.js';
import { Mutex } from './mutex.js';
import type { JobPhase, JobView, PlatformPort } from './ports.js';
import type { JobStore } from './store.js';
import { giveBack, refundShare } from './budget.js';

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
  /** Looks up a catalog entry and schema again for a job resumed after a restart. */
  relaunch(job: JobRecord): Promise<Omit<Launch, 'references'>>;
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

const INFLIGHT = 'inflight';
/** Polls, deadlines and progress edits a tick starts before it lets the event loop go. */
const TICK_SLICE = 16;
const jobLease = (id: string) => `job:${id}`;
export const userSet = (job: Pick<JobRecord, 'requester'>) => `user:${job.requester.platform}:${job.requester.userId}`;

export class JobEngine {
  readonly settings: EngineSettings;
  private readonly tracked = new Map<string, JobRecord>();
  private readonly byGeneration = new Map<string, string>();
  private readonly waiting = new FairQueue<JobRecord>();
  private readonly launches = new Map<string, Launch>();
  private readonly locks = new Map<string, Mutex>();
  private readonly nextPoll = new Map<string, { at: number; delay: number }>();
  private readonly lastEdit = new Map<string, number>();
  private readonly edits = new Map<string, Promise<void>>();
  private readonly deliveries = new Map<string, { done: Promise<void>; abort: AbortController }>();
  /** New jobs claimed by submit() and not admitted yet: a takeover must not adopt them. */
  private readonly admitting = new Set<string>();
  private readonly abort = new AbortController();
  private timers: NodeJS.Timeout[] = [];
  private streamUp = false;
  private pollsInFlight = 0;
  private pollCursor = 0;
  private dispatching = false;
  private ticking = false;
  private stopped = false;

  constructor(private readonly deps: EngineDeps, settings: Partial<EngineSettings> = {}) {
    this.settings = { ...DEFAULT_ENGINE_SETTINGS, instanceId: randomUUID(), ...settings };
  }

  get streamConnected(): boolean {
    return this.streamUp;
  }

  get trackedCount(): number {
    return this.tracked.size;
  }

  /** Uploads under way on this instance. */
  get deliveriesInFlight(): number {
    return this.deliveries.size;
  }

  /** Jobs this instance follows, by state (for metrics). */
  countByState(): Map<JobState, number> {
    const counts = new Map<JobState, number>();
    for (const job of this.tracked.values()) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
    return counts;
  }

  /** Opens the completion stream, resumes every active job this instance can own, starts the timers. */
  async start(): Promise<void> {
    void subscribeCompletions({
      client: this.deps.oxen,
      signal: this.abort.signal,
      onEvent: (event) => this.onCompletion(event),
      onConnected: () => {
        this.streamUp = true;
        // No replay: anything that finished while we were away is found by polling now.
        for (const id of this.tracked.keys()) this.pollSoon(id, 0);
      },
      onDisconnected: () => {
        this.streamUp = false;
      },
      onError: (error) => this.report(error, 'events'),
    });
    await this.takeOver();
    const every = (ms: number, fn: () => Promise<void>) => {
      const timer = setInterval(() => void fn().catch((error) => this.report(error, 'timer')), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.settings.tickMs, () => this.tick());
    every(this.settings.leaseRenewMs, () => this.renewAndTakeOver());
  }

  /**
   * Stops following jobs: no new launch, poll or delivery starts. With `handBack` (the default)
   * uploads in progress get `graceMs` to finish; the rest are cut off and their claims given
   * back; then every job lease is given back so another instance (or the next start) takes the
   * jobs at once. `handBack: false` leaves everything to expire, as a crash would.
   */
  async stop({ handBack = true, graceMs = 5_000 }: StopOptions = {}): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    if (handBack && this.deliveries.size > 0) {
      const all = Promise.allSettled([...this.deliveries.values()].map((d) => d.done));
      if (!(await within(all, graceMs))) {
        for (const delivery of this.deliveries.values()) delivery.abort.abort(new Error('the bot is shutting down'));
        // An aborted upload unwinds at once and gives its claim back; one stuck in a port call
        // gets a moment, then its claim is given back here.
        await within(all, 2_000);
        await Promise.all([...this.deliveries.keys()].map((id) => this.deps.store.releaseLease(deliveryLease(id), this.settings.instanceId).catch(() => undefined)));
      }
    }
    await Promise.all([...this.locks.values()].map((lock) => lock.run(async () => undefined)));
    if (handBack) await Promise.all([...this.tracked.keys()].map((id) => this.deps.store.releaseLease(jobLease(id), this.settings.instanceId)));
    this.tracked.clear();
  }

  /**
   * Holds a new job's lease before its record is saved, so no other instance can adopt the job
   * in the moment between the save and admit().
   */
  async claim(id: string): Promise<boolean> {
    const held = await this.deps.store.acquireLease(jobLease(id), this.settings.instanceId, this.settings.leaseTtlMs);
    // Until admit(), the job is the submitter's: the lease renewal's takeOver() would otherwise
    // find the saved record, see the lease is ours, and adopt it too (the job queued twice).
    if (held) this.admitting.add(id);
    return held;
  }

  /** Takes a new job (claimed, its record saved with where to report) and starts it when a slot is free. */
  async admit(job: JobRecord, launch: Launch): Promise<void> {
    this.admitting.delete(job.id);
    // After stop() the store may be closing: the saved job is picked up by the next start.
    if (this.stopped) return;
    this.launches.set(job.id, launch);
    this.track(job);
    this.waiting.push(userSet(job), job);
    await this.dispatch();
    if (job.state === 'waiting') await this.show(job, true);
  }

  /** Where each waiting job stands in our queue. */
  positions(): Map<string, number> {
    return this.waiting.positions();
  }

  /** `positions`: pass them when viewing many jobs at once, to compute them once. */
  view(job: JobRecord, positions?: ReadonlyMap<string, number>): JobView {
    const phase = phaseOf(job);
    const position = phase === 'waiting' ? (positions ?? this.positions()).get(job.id) : undefined;
    const elapsedSec = job.submittedAt ? Math.max(0, Math.round(((job.endedAt ?? this.settings.now()) - job.submittedAt) / 1000)) : undefined;
    return {
      job,
      phase,
      ...(position !== undefined ? { position } : {}),
      ...(elapsedSec !== undefined ? { elapsedSec } : {}),
      ...(job.failure ? { failure: job.failure } : {}),
    };
  }

  /** Cancels a job wherever it is. Ownership checks are the caller's. */
  async cancel(id: string): Promise<JobRecord | undefined> {
    const local = this.tracked.get(id);
    if (!local) {
      // Owned by another instance (or nobody yet): cancel at Oxen; the owner's poll sees it.
      const record = await this.deps.store.get(id);
      if (!record || isTerminal(record.state)) return record;
      await this.cancelAtOxen(record);
      if (record.state === 'waiting') {
        // Its owner re-reads the record before starting it, and will not.
        await giveBack(this.deps.store, record, refundShare(record, 'cancelled'));
        await this.deps.store.put({ ...record, state: 'cancelled', endedAt: this.settings.now(), reservation: { ...record.reservation, settled: true } });
        await this.deps.store.leave(userSet(record), id);
      }
      return this.deps.store.get(id);
    }
    return this.withJob(id, async () => {
      const job = this.tracked.get(id);
      if (!job || isTerminal(job.state)) return job;
      this.waiting.remove(id);
      await this.cancelAtOxen(job);
      for (const g of job.generations) if (!TERMINAL_STATUSES.includes(g.status)) g.status = 'cancelled';
      await this.finish(job, 'cancelled');
      return job;
    });
  }

  // ---- dispatch ------------------------------------------------------------------------------

  private async dispatch(): Promise<void> {
    if (this.dispatching || this.stopped) return;
    this.dispatching = true;
    try {
      for (let next = this.waiting.peek(); next; next = this.waiting.peek()) {
        if (!(await this.deps.store.joinCapped(INFLIGHT, next.id, this.settings.globalLimit))) break;
        this.waiting.shift();
        void this.withJob(next.id, () => this.launch(next)).catch((error) => this.report(error, 'launch', next.id));
      }
    } finally {
      this.dispatching = false;
    }
    // Places in line changed: progress edits for the waiting jobs not edited lately (checked
    // here, not in show(), as there may be thousands of them on every admission).
    if (this.waiting.size === 0) return;
    const positions = this.positions();
    const now = this.settings.now();
    for (const [id] of positions) {
      const job = this.tracked.get(id);
      if (job && this.progressDue(job, now)) void this.show(job, false, positions);
    }
  }

  /** Hosts the references and enqueues; the generation ids are saved the moment Oxen answers. */
  private async launch(job: JobRecord): Promise<void> {
    const latest = await this.deps.store.get(job.id);
    if (!latest || latest.state !== 'waiting') {
      if (latest) Object.assign(job, latest);
      if (latest && isTerminal(latest.state)) await this.finish(job, latest.state as 'done' | 'failed' | 'cancelled' | 'timed_out');
      else if (latest) {
        // Launched elsewhere already (after a takeover): follow it rather than launch it again.
        this.track(job);
        this.pollSoon(job.id, 0);
      }
      return;
    }
    const launch = this.launches.get(job.id) ?? (job.references.length === 0 ? { ...(await this.deps.relaunch(job)), references: [] } : undefined);
    if (!launch) {
      // The files lived in memory and the bot restarted before they were sent.
      job.failure = { code: 'job.references_lost' };
      await this.finish(job, 'failed');
      return;
    }
    job.state = 'submitting';
    job.submittedAt = this.settings.now();
    job.attempts += 1;
    await this.save(job);
    await this.show(job, true);

    let ids: string[];
    try {
      const hosted = [];
      for (const reference of launch.references) {
        const place = await this.deps.host.host(reference, { jobId: job.id, minLifetimeMs: this.settings.deadlineMs });
        hosted.push({ kind: reference.kind, label: reference.label, url: place.url });
      }
      const body = bodyForPlan({ model: launch.model, schema: launch.schema, request: job.request }, hosted);
      if (!body.ok) throw new OxenError('invalid_params', 'the request no longer fits the model', { detail: body.problems.map((p) => p.code).join(', ') });
      ids = await this.deps.oxen.enqueue(body.value.body as { model: string; prompt: string });
    } catch (error) {
      await this.submitFailed(job, error);
      return;
    }
    this.launches.delete(job.id);
    this.running(job, ids);
    await this.save(job);
    await this.show(job, true);
  }

  private running(job: JobRecord, ids: readonly string[]): void {
    job.state = 'running';
    job.generations = ids.map((id) => ({ id, status: 'queued', delivery: 'pending' }));
    for (const id of ids) this.byGeneration.set(id, job.id);
    this.pollSoon(job.id);
  }

  /** After a 5xx, a timeout or a bad answer the job may exist at Oxen: look before giving up. */
  private async submitFailed(job: JobRecord, error: unknown): Promise<void> {
    const definite = error instanceof OxenError && (error.notDelivered || ['invalid_params', 'unauthenticated', 'not_found', 'insufficient_credits', 'rate_limited', 'update_required'].includes(error.code));
    if (!definite) {
      const found = await this.findAtOxen(job).catch(() => undefined);
      if (found && found.length > 0) {
        this.running(job, found);
        await this.save(job);
        await this.show(job, true);
        return;
      }
    }
    job.failure = { code: error instanceof OxenError ? `oxen.${error.code}` : 'job.submit_failed', ...(error instanceof OxenError && error.detail ? { detail: error.detail } : {}) };
    this.report(error, 'enqueue', job.id);
    await this.finish(job, 'failed');
  }

  /** Generations of this job in Oxen's queue, matched by model, prompt and time (no ids yet). */
  private async findAtOxen(job: JobRecord): Promise<string[]> {
    const since = Math.floor((job.submittedAt ?? job.createdAt) / 1000) - 120;
    const lists = await Promise.all(
      [undefined, 'succeeded', 'failed'].map((status) => this.deps.oxen.listQueue({ model: job.modelId, ...(status ? { status: status as GenerationStatus } : {}) })),
    );
    const matches = lists
      .flatMap((list) => list.generations)
      .filter((g) => g.prompt === job.body['prompt'] && (g.enqueued_at ?? 0) >= since)
      .map((g) => g.generation_id);
    const count = Number(job.body['num_generations'] ?? 1);
    return [...new Set(matches)].slice(0, count);
  }

  // ---- following -----------------------------------------------------------------------------

  private onCompletion(event: CompletionEvent): void {
    const id = this.byGeneration.get(event.generation_id);
    if (!id) return;
    void this.withJob(id, async () => {
      const job = this.tracked.get(id);
      const generation = job?.generations.find((g) => g.id === event.generation_id);
      if (!job || !generation) return;
      await this.apply(job, generation, { status: event.status, result_url: event.url ?? null, error_message: event.error ?? null });
    }).catch((error) => this.report(error, 'event', id));
  }

  private async poll(id: string): Promise<void> {
    const job = this.tracked.get(id);
    if (!job) return;
    if (job.state === 'submitting') {
      // Found half-submitted (after a crash): reconcile against the queue listing.
      const found = await this.findAtOxen(job);
      if (found.length > 0) {
        this.running(job, found);
        await this.save(job);
      } else {
        job.state = 'waiting';
        await this.save(job);
        this.waiting.push(userSet(job), job);
        await this.deps.store.leave(INFLIGHT, job.id);
        void this.dispatch();
      }
      return;
    }
    for (const generation of job.generations) {
      if (TERMINAL_STATUSES.includes(generation.status)) {
        if (generation.status === 'succeeded' && generation.delivery === 'pending') void this.deliver(job, generation);
        continue;
      }
      const answer = await this.deps.oxen.getGeneration(generation.id);
      await this.apply(job, generation, answer);
    }
    // The next poll is already set: backed off by the tick that started this one, or back to
    // pollMinMs by apply() when there was news. (Setting it to pollMinMs here again undid the
    // backoff: every job was polled every 15 s for as long as it ran.)
  }

  private async apply(job: JobRecord, generation: GenerationRecord, answer: Pick<QueueGeneration, 'status' | 'result_url' | 'error_message'>): Promise<void> {
    const changed = generation.status !== answer.status;
    if (!changed && !(answer.status === 'succeeded' && generation.delivery === 'pending')) return;
    generation.status = answer.status;
    if (answer.result_url) generation.resultUrl = answer.result_url;
    if (answer.error_message) generation.error = answer.error_message;
    if (answer.status === 'processing' && !job.startedAt) job.startedAt = this.settings.now();
    if (answer.status === 'succeeded' && generation.succeededAt === undefined) generation.succeededAt = this.settings.now();
    this.nextPoll.set(job.id, { at: this.settings.now() + this.settings.pollMinMs, delay: this.settings.pollMinMs });
    await this.save(job);
    await this.show(job, changed);
    if (answer.status === 'succeeded') void this.deliver(job, generation);
    else if (TERMINAL_STATUSES.includes(answer.status)) await this.maybeFinish(job);
  }

  private async deliver(job: JobRecord, generation: GenerationRecord): Promise<void> {
    if (this.stopped || this.deliveries.has(generation.id)) return;
    const abort = new AbortController();
    const done = this.runDelivery(job, generation, abort.signal);
    this.deliveries.set(generation.id, { done, abort });
    try {
      await done;
    } finally {
      this.deliveries.delete(generation.id);
    }
  }

  private async runDelivery(job: JobRecord, generation: GenerationRecord, signal: AbortSignal): Promise<void> {
    try {
      const port = this.deps.ports.get(job.destination.platform);
      if (!port) throw new Error(`no adapter for ${job.destination.platform}`);
      const outcome = await deliverGeneration({ job, generation, port, oxen: this.deps.oxen, store: this.deps.store, owner: this.settings.instanceId, leaseMs: this.settings.deliveryLeaseMs, signal });
      if (outcome) {
        const latencyMs = outcome !== 'found' && generation.succeededAt !== undefined && generation.deliveredAt !== undefined ? generation.deliveredAt - generation.succeededAt : undefined;
        this.tell('delivery', { job, generation, outcome, ...(latencyMs !== undefined ? { latencyMs } : {}) });
      }
      await this.withJob(job.id, async () => {
        const fresh = await this.deps.store.get(job.id);
        const saved = fresh?.generations.find((g) => g.id === generation.id);
        if (saved) Object.assign(generation, saved);
        await this.maybeFinish(job);
      });
    } catch (error) {
      if (signal.aborted) {
        this.tell('delivery', { job, generation, outcome: 'handed_back' });
        return;
      }
      this.tell('delivery', { job, generation, outcome: 'failed' });
      this.report(error, 'delivery', job.id);
      this.pollSoon(job.id, this.settings.pollWithoutStreamMs);
    }
  }

  private async maybeFinish(job: JobRecord): Promise<void> {
    if (isTerminal(job.state)) return;
    const open = job.generations.some((g) => !TERMINAL_STATUSES.includes(g.status) || (g.status === 'succeeded' && g.delivery === 'pending'));
    if (open || job.generations.length === 0) return;
    const succeeded = job.generations.some((g) => g.status === 'succeeded');
    const allCancelled = job.generations.every((g) => g.status === 'cancelled');
    if (!succeeded && !allCancelled && !job.failure) {
      const reason = job.generations.find((g) => g.error)?.error;
      job.failure = { code: 'oxen.generation_failed', ...(reason ? { detail: reason } : {}) };
    }
    await this.finish(job, succeeded ? 'done' : allCancelled ? 'cancelled' : 'failed');
  }

  /** Ends a job: settles its budget, frees its slots and files, tells the person, lets it go. */
  private async finish(job: JobRecord, state: 'done' | 'failed' | 'cancelled' | 'timed_out'): Promise<void> {
    if (!job.reservation.settled) {
      await giveBack(this.deps.store, job, refundShare(job, state));
      job.reservation.settled = true;
    }
    job.state = state;
    job.endedAt = this.settings.now();
    await this.save(job);
    this.tell('ended', job);
    await this.deps.store.leave(INFLIGHT, job.id);
    await this.deps.store.leave(userSet(job), job.id);
    await this.deps.host.release?.(job.id).catch((error: unknown) => this.report(error, 'release', job.id));
    await this.show(job, true);
    this.untrack(job.id);
    await this.deps.store.releaseLease(jobLease(job.id), this.settings.instanceId);
    void this.dispatch();
  }

  private async cancelAtOxen(job: JobRecord): Promise<void> {
    await Promise.all(
      job.generations
        .filter((g) => !TERMINAL_STATUSES.includes(g.status))
        .map((g) =>
          this.deps.oxen.cancel(g.id).catch((error: unknown) => {
            if (!(error instanceof OxenError && error.code === 'not_found')) this.report(error, 'cancel', job.id);
          }),
        ),
    );
  }

  // ---- timers --------------------------------------------------------------------------------

  private async tick(): Promise<void> {
    // A tick that yields may outlast the interval on a slow machine: never two at once.
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.tickOnce();
    } finally {
      this.ticking = false;
    }
  }

  private async tickOnce(): Promise<void> {
    const now = this.settings.now();
    // Start where the last tick stopped, so capped polls reach every job in turn.
    const ids = [...this.tracked.keys()];
    const start = ids.length === 0 ? 0 : this.pollCursor % ids.length;
    // Polls, deadlines and progress edits start in slices, with the event loop let go in between:
    // jobs launched in the same second fall due in the same tick, and starting hundreds of
    // requests in one go holds up everything else (acknowledging Slack's requests among them)
    // for tens of milliseconds.
    let started = 0;
    for (let k = 0; k < ids.length; k++) {
      if (started >= TICK_SLICE) {
        started = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.stopped) return;
      }
      const id = ids[(start + k) % ids.length]!;
      const job = this.tracked.get(id);
      if (!job) continue; // let go while this tick yielded
      if (job.state === 'running' && job.submittedAt && now - job.submittedAt > this.settings.deadlineMs) {
        started++;
        void this.withJob(id, () => this.timeOut(id)).catch((error) => this.report(error, 'deadline', id));
        continue;
      }
      const due = this.nextPoll.get(id);
      // A cap on polls under way: after a restart or a reconnect every job is due at once, and
      // 10,000 requests in one burst stall the event loop for a second. The rest wait a tick.
      if (due && due.at <= now && this.pollsInFlight < this.settings.maxConcurrentPolls) {
        started++;
        this.nextPoll.set(id, { at: now + this.backoff(due.delay), delay: this.backoff(due.delay) });
        this.pollsInFlight++;
        this.pollCursor = start + k + 1;
        void this.withJob(id, () => this.poll(id))
          .catch((error) => {
            this.report(error, 'poll', id);
            this.pollSoon(id, this.backoff(due.delay));
          })
          .finally(() => this.pollsInFlight--);
      }
      if (job.state === 'running' && this.progressDue(job, now)) {
        started++;
        void this.show(job, false);
      }
    }
  }

  private async timeOut(id: string): Promise<void> {
    const job = this.tracked.get(id);
    if (!job || job.state !== 'running') return;
    await this.cancelAtOxen(job);
    for (const g of job.generations) if (!TERMINAL_STATUSES.includes(g.status)) g.status = 'cancelled';
    // Finished generations are still delivered; the job ends as timed out once they are.
    if (job.generations.some((g) => g.status === 'succeeded' && g.delivery === 'pending')) return;
    job.failure = { code: 'job.timed_out', limitMinutes: Math.round((this.settings.deadlineMs / 60_000) * 10) / 10 };
    await this.finish(job, 'timed_out');
  }

  private async renewAndTakeOver(): Promise<void> {
    const ids = [...this.tracked.keys()];
    const held = await this.deps.store.acquireLeases(ids.map(jobLease), this.settings.instanceId, this.settings.leaseTtlMs);
    ids.forEach((id, i) => {
      // Another instance took it (we were too slow to renew): stop acting on it.
      if (!held[i]) this.untrack(id);
    });
    await this.takeOver();
    void this.dispatch();
  }

  /** Adopts every active job nobody holds: at start-up, and when an instance died. */
  private async takeOver(): Promise<void> {
    const ids = (await this.deps.store.activeIds()).filter((id) => !this.tracked.has(id) && !this.admitting.has(id));
    if (ids.length === 0) return;
    const held = await this.deps.store.acquireLeases(ids.map(jobLease), this.settings.instanceId, this.settings.leaseTtlMs);
    const mine = ids.filter((_, i) => held[i]);
    for (let i = 0; i < mine.length; i += 200) {
      await Promise.all(mine.slice(i, i + 200).map((id) => this.adopt(id)));
    }
  }

  private async adopt(id: string): Promise<void> {
    const job = await this.deps.store.get(id);
    // Admitted (or adopted) while the record was being read: already followed.
    if (!job || this.tracked.has(id) || this.admitting.has(id)) return;
    if (isTerminal(job.state)) {
      await this.deps.store.put(job); // drops a stale index entry
      await this.deps.store.releaseLease(jobLease(id), this.settings.instanceId);
      return;
    }
    this.track(job);
    if (job.state === 'waiting') this.waiting.push(userSet(job), job);
    else this.pollSoon(id, 0);
  }

  // ---- helpers -------------------------------------------------------------------------------

  private track(job: JobRecord): void {
    this.tracked.set(job.id, job);
    for (const g of job.generations) this.byGeneration.set(g.id, job.id);
  }

  private untrack(id: string): void {
    const job = this.tracked.get(id);
    for (const g of job?.generations ?? []) this.byGeneration.delete(g.id);
    this.tracked.delete(id);
    this.nextPoll.delete(id);
    this.lastEdit.delete(id);
    this.edits.delete(id);
    this.launches.delete(id);
    this.waiting.remove(id);
    this.locks.delete(id);
  }

  private pollSoon(id: string, inMs = this.streamUp ? this.settings.pollMinMs : this.settings.pollWithoutStreamMs): void {
    this.nextPoll.set(id, { at: this.settings.now() + inMs, delay: Math.max(inMs, this.settings.pollWithoutStreamMs) });
  }

  private backoff(delay: number): number {
    if (!this.streamUp) return this.settings.pollWithoutStreamMs;
    return Math.min(this.settings.pollMaxMs, Math.max(this.settings.pollMinMs, Math.round(delay * 1.5)));
  }

  private withJob<T>(id: string, section: () => Promise<T>): Promise<T> {
    let lock = this.locks.get(id);
    if (!lock) this.locks.set(id, (lock = new Mutex()));
    return lock.run(section);
  }

  private async save(job: JobRecord): Promise<void> {
    const redact = this.deps.redact;
    if (redact) {
      if (job.failure?.detail) job.failure.detail = redact(job.failure.detail);
      for (const g of job.generations) if (g.error) g.error = redact(g.error);
    }
    job.updatedAt = this.settings.now();
    await this.deps.store.put(job);
    this.tell('saved', job);
  }

  private tell<K extends keyof EngineEvents>(event: K, ...args: Parameters<NonNullable<EngineEvents[K]>>): void {
    try {
      (this.deps.events?.[event] as ((...a: typeof args) => void) | undefined)?.(...args);
    } catch (error) {
      this.report(error, `events.${event}`);
    }
  }

  /** Whether a progress edit (no new phase) of this job's status message may go now. */
  private progressDue(job: JobRecord, now: number): boolean {
    return now - (this.lastEdit.get(job.id) ?? 0) >= this.settings.progressIntervalMs;
  }

  /** Edits the status message: at once for a new phase, at most every progressIntervalMs otherwise. */
  private async show(job: JobRecord, phaseChanged: boolean, positions?: ReadonlyMap<string, number>): Promise<void> {
    const port = this.deps.ports.get(job.destination.platform);
    if (!port || !job.destination.statusMessageId) return;
    const now = this.settings.now();
    if (!phaseChanged && !this.progressDue(job, now)) return;
    this.lastEdit.set(job.id, now);
    // Edits of one message go out one after another, so a slow progress edit can never land
    // after the final one and leave the message saying "delivering".
    const view = this.view(job, positions);
    const edit = (this.edits.get(job.id) ?? Promise.resolve())
      .then(() => port.updateStatus(job, view))
      .catch((error: unknown) => this.report(error, 'status', job.id));
    this.edits.set(job.id, edit);
    await edit;
  }

  private report(error: unknown, step: string, jobId?: string): void {
    this.deps.onError?.(error, { step, ...(jobId ? { jobId } : {}) });
  }
}

/** True when `promise` settles within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function phaseOf(job: JobRecord): JobPhase {
  switch (job.state) {
    case 'waiting':
    case 'submitting':
    case 'done':
    case 'failed':
    case 'cancelled':
    case 'timed_out':
      return job.state;
    case 'running':
      if (job.generations.some((g) => g.status === 'succeeded' && g.delivery === 'pending')) return 'delivering';
      if (job.generations.some((g) => g.status === 'processing')) return 'processing';
      return 'queued';
  }
}
