/**
 * Prometheus metrics on a Registry of our own (never prom-client's global one): jobs by state,
 * Oxen requests and errors by code, delivery latency, uploads by outcome, and today's budget in
 * use. The rest of the core knows nothing of prom-client: it reports through optional hooks
 * (OxenClient's onRequest, the engine's events) that `metricsHooks` wires here.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { budgetCounter, budgetDay } from './jobs/budget.js';
import type { DeliveryReport, EngineEvents } from './jobs/engine.js';
import { JOB_STATES, type JobRecord, type JobState, type Platform } from './jobs/job.js';
import type { JobStore } from './jobs/store.js';
import type { OxenRequestInfo } from './oxen/client.js';

export interface MetricsSources {
  /** Jobs this instance follows, by state. */
  jobsByState(): Map<JobState, number>;
  store: Pick<JobStore, 'counterValue'>;
  /** Gateway shards this instance holds (Discord), and whether each is connected. */
  shards?: () => { platform: Platform; id: number; count: number; connected: boolean }[];
  now?: () => number;
}

export interface Metrics {
  readonly registry: Registry;
  /** For OxenClient's `onRequest`. */
  oxenRequest(info: OxenRequestInfo): void;
  /** For the engine's `events`. */
  readonly engineEvents: Required<EngineEvents>;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
  readonly contentType: string;
}

/** Delivery takes seconds to minutes: a video is tens of MB through the platform's upload API. */
const LATENCY_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

/** Scopes whose budget is reported: the guilds and workspaces this instance has seen jobs for. */
const MAX_SCOPES = 1_000;

export function createMetrics(sources: MetricsSources, options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  const now = sources.now ?? Date.now;
  const scopes = new Map<string, { platform: Platform; scopeId: string }>();

  new Gauge({
    name: 'seedance_jobs',
    help: 'Jobs followed by this instance, by state (sum over instances for the whole bot)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts = sources.jobsByState();
      for (const state of JOB_STATES) this.set({ state }, counts.get(state) ?? 0);
    },
  });
  const ended = new Counter({
    name: 'seedance_jobs_ended_total',
    help: 'Jobs that ended on this instance, by final state',
    labelNames: ['state'],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'seedance_oxen_requests_total',
    help: 'HTTP exchanges with Oxen, by call and status ("error" when no answer came)',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'seedance_oxen_errors_total',
    help: 'Failed exchanges with Oxen, by call and error code',
    labelNames: ['route', 'code'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'seedance_delivery_latency_seconds',
    help: 'From a video being ready at Oxen to it being in the thread',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const uploads = new Counter({
    name: 'seedance_uploads_total',
    help: 'Delivery attempts by outcome: uploaded, fitted (a re-encoded copy), too_big (link), link (after failed uploads), found (already posted), gave_up (the job ends as a failed delivery), failed (will retry), handed_back (shutdown)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  new Gauge({
    name: 'seedance_budget_used',
    help: 'Allowance reserved today (UTC) per Discord server or Slack workspace, in video-seconds and dollars',
    labelNames: ['platform', 'scope', 'unit'],
    registers: [registry],
    async collect() {
      this.reset();
      const day = budgetDay(now());
      await Promise.all(
        [...scopes.values()].map(async ({ platform, scopeId }) => {
          const owner = { requester: { platform, userId: '', scopeId }, reservation: { day } };
          const [seconds, usd] = await Promise.all([sources.store.counterValue(budgetCounter(owner, 'seconds')), sources.store.counterValue(budgetCounter(owner, 'usd'))]);
          this.set({ platform, scope: scopeId, unit: 'video_seconds' }, round(seconds));
          this.set({ platform, scope: scopeId, unit: 'usd' }, round(usd));
        }),
      );
    },
  });
  new Gauge({
    name: 'seedance_gateway_shard_connected',
    help: 'Gateway shards this instance holds: 1 connected, 0 not (reconnecting or refused); a shard held elsewhere is absent',
    labelNames: ['platform', 'shard', 'shards'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources.shards?.() ?? []) this.set({ platform: s.platform, shard: String(s.id), shards: String(s.count) }, s.connected ? 1 : 0);
    },
  });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'seedance_process_' });

  const seen = (job: JobRecord) => {
    const key = `${job.requester.platform}:${job.requester.scopeId}`;
    if (scopes.has(key) || scopes.size >= MAX_SCOPES) return;
    scopes.set(key, { platform: job.requester.platform, scopeId: job.requester.scopeId });
  };

  return {
    registry,
    contentType: registry.contentType,
    oxenRequest({ route, status, code }) {
      requests.inc({ route, status: status === undefined ? 'error' : String(status) });
      if (code !== undefined) errors.inc({ route, code });
    },
    engineEvents: {
      saved: seen,
      ended(job) {
        ended.inc({ state: job.state });
      },
      delivery(report: DeliveryReport) {
        uploads.inc({ outcome: report.outcome });
        if (report.latencyMs !== undefined && report.latencyMs >= 0) latency.observe(report.latencyMs / 1000);
      },
    },
    render: () => registry.metrics(),
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
