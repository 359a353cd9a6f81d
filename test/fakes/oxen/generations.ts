/**
 * The fake's queue: generations in a Map, moving queued -> processing -> succeeded|failed on
 * timers (or by hand), with the model's parameters checked when the job starts, as Oxen does.
 * Every operation on one generation is O(1); listing is O(active rows), or O(all rows) with a
 * status filter.
 */
import { randomUUID } from 'node:crypto';
import type { GenerationStatus } from '../../../src/core/oxen/types.js';

export interface FakeGeneration {
  generation_id: string;
  model_name: string;
  media_type: 'video';
  status: GenerationStatus;
  enqueued_at: number;
  started_at: number | null;
  completed_at: number | null;
  result_url: string | null;
  error_message: string | null;
  prompt: string;
  target_namespace: string;
  target_repo: string | null;
  target_directory: string | null;
  /** Every model parameter as sent, echoed at the top level of the row. */
  params: Record<string, unknown>;
}

/** Time each stage takes, in ms; 'manual' leaves every move to `advance` / `complete`. */
export type StageTiming = { queuedMs: number; processingMs: number } | 'manual';

export type Outcome = { status: 'succeeded' } | { status: 'failed'; error: string };

export interface GenerationHooks {
  now: () => number;
  /** Decides how a job that starts will end: undefined to run normally, or a failure message. */
  failureOnStart: (generation: FakeGeneration) => string | undefined;
  /** Jobs stay in processing while this is true. */
  stuckInProcessing: () => boolean;
  resultUrlFor: (generation: FakeGeneration) => string;
  /** Fired once per generation on succeeded or failed (never on cancel). */
  onCompleted: (generation: FakeGeneration) => void;
}

export interface QueueFilters {
  status?: string | undefined;
  model?: string | undefined;
  media_type?: string | undefined;
  repo?: string | undefined;
  folder?: string | undefined;
  namespace: string;
}

const QUEUE_FIELDS = new Set(['model', 'num_generations', 'target_namespace', 'target_repo', 'target_directory']);

export class GenerationStore {
  readonly all = new Map<string, FakeGeneration>();
  private readonly active = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly hooks: GenerationHooks,
    public timing: StageTiming,
  ) {}

  create(body: Record<string, unknown>, model: string, namespace: string): FakeGeneration {
    const params: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body)) if (!QUEUE_FIELDS.has(key)) params[key] = value;
    const generation: FakeGeneration = {
      generation_id: randomUUID(),
      model_name: model,
      media_type: 'video',
      status: 'queued',
      enqueued_at: this.seconds(),
      started_at: null,
      completed_at: null,
      result_url: null,
      error_message: null,
      prompt: typeof body.prompt === 'string' ? body.prompt : '',
      target_namespace: typeof body.target_namespace === 'string' ? body.target_namespace : namespace,
      target_repo: typeof body.target_repo === 'string' ? body.target_repo : null,
      target_directory: typeof body.target_directory === 'string' ? body.target_directory : null,
      params,
    };
    this.all.set(generation.generation_id, generation);
    this.active.add(generation.generation_id);
    if (this.timing !== 'manual') this.schedule(generation.generation_id, this.timing.queuedMs, () => this.start(generation));
    return generation;
  }

  get(id: string): FakeGeneration | undefined {
    return this.all.get(id);
  }

  /** Newest first. Without a status filter only queued and processing rows, like Oxen; 'all': every row (the generations history). */
  list(filters: QueueFilters): FakeGeneration[] {
    const ids = filters.status ? this.all.keys() : this.active.values();
    const rows: FakeGeneration[] = [];
    for (const id of ids) {
      const g = this.all.get(id);
      if (!g) continue;
      if (filters.status && filters.status !== 'all' && g.status !== filters.status) continue;
      if (filters.model && g.model_name !== filters.model) continue;
      if (filters.media_type && g.media_type !== filters.media_type) continue;
      if (filters.repo && g.target_repo !== filters.repo) continue;
      if (filters.folder && g.target_directory !== filters.folder) continue;
      if (g.target_namespace !== filters.namespace) continue;
      rows.push(g);
    }
    return rows.reverse();
  }

  /** 'missing' for an unknown id; terminal jobs are left as they are. */
  cancel(id: string): 'cancelled' | 'unchanged' | 'missing' {
    const g = this.all.get(id);
    if (!g) return 'missing';
    if (!this.active.has(id)) return 'unchanged';
    this.clearTimer(id);
    this.active.delete(id);
    g.status = 'cancelled';
    g.completed_at = this.seconds();
    return 'cancelled';
  }

  /** One step by hand: queued -> processing (or failed), processing -> succeeded. */
  advance(id: string): void {
    const g = this.require(id);
    if (g.status === 'queued') this.start(g);
    else if (g.status === 'processing') this.finish(g, { status: 'succeeded' });
  }

  /** Ends an active job now, whatever switches say. */
  complete(id: string, outcome: Outcome = { status: 'succeeded' }): void {
    const g = this.require(id);
    if (!this.active.has(id)) throw new Error(`fake oxen: generation ${id} is already ${g.status}`);
    if (g.started_at === null) g.started_at = this.seconds();
    this.finish(g, outcome);
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private start(g: FakeGeneration): void {
    this.clearTimer(g.generation_id);
    if (g.status !== 'queued') return;
    g.status = 'processing';
    g.started_at = this.seconds();
    const failure = this.hooks.failureOnStart(g);
    if (failure !== undefined) {
      this.finish(g, { status: 'failed', error: failure });
      return;
    }
    if (this.timing !== 'manual') {
      this.schedule(g.generation_id, this.timing.processingMs, () => {
        this.timers.delete(g.generation_id);
        if (!this.hooks.stuckInProcessing()) this.finish(g, { status: 'succeeded' });
      });
    }
  }

  private finish(g: FakeGeneration, outcome: Outcome): void {
    this.clearTimer(g.generation_id);
    if (!this.active.has(g.generation_id)) return;
    this.active.delete(g.generation_id);
    g.status = outcome.status;
    g.completed_at = this.seconds();
    if (outcome.status === 'succeeded') g.result_url = this.hooks.resultUrlFor(g);
    else g.error_message = outcome.error;
    this.hooks.onCompleted(g);
  }

  private schedule(id: string, ms: number, run: () => void): void {
    const timer = setTimeout(run, ms);
    timer.unref();
    this.timers.set(id, timer);
  }

  private clearTimer(id: string): void {
    const timer = this.timers.get(id);
    if (timer) clearTimeout(timer);
    this.timers.delete(id);
  }

  private require(id: string): FakeGeneration {
    const g = this.all.get(id);
    if (!g) throw new Error(`fake oxen: no generation ${id}`);
    return g;
  }

  private seconds(): number {
    return Math.floor(this.hooks.now() / 1000);
  }
}

/** The row as GET /api/ai/queue/{id} returns it: echoed parameters first, then the fixed fields. */
export function generationRow(g: FakeGeneration): Record<string, unknown> {
  // Key by key, not `{ ...params, ...rest }`: on Node 20 that took 40-50 µs a row (this loop 2-5),
  // and one listing of 10,000 rows held the fake (and the benchmarks' downloads waiting on it)
  // for ~300 ms. Same row: the parameters first, the fixed fields over them.
  const row: Record<string, unknown> = {};
  for (const key in g.params) row[key] = g.params[key];
  for (const key in g) if (key !== 'params') row[key] = g[key as keyof FakeGeneration];
  return row;
}
