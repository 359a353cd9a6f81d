/**
 * The engine's events as log lines (one JSON line each, with the job id on every one) and as
 * metrics. A job's state change is logged once, not on every save.
 */
import type { EngineEvents } from '../core/jobs/engine.js';
import type { JobState } from '../core/jobs/job.js';
import type { Logger } from '../core/log.js';
import type { Metrics } from '../core/metrics.js';

export function jobEvents(log: Logger, metrics: Metrics): Required<EngineEvents> {
  const lastState = new Map<string, JobState>();
  return {
    saved(job) {
      metrics.engineEvents.saved(job);
      if (lastState.get(job.id) === job.state) return;
      // Jobs that end on another instance are never deleted here: bound the map.
      if (lastState.size >= 100_000) lastState.clear();
      lastState.set(job.id, job.state);
      if (job.state === 'done' || job.state === 'failed' || job.state === 'cancelled' || job.state === 'timed_out') return; // logged by ended()
      log.child({ job: job.id }).info('job.state', {
        state: job.state,
        platform: job.requester.platform,
        model: job.modelId,
        ...(job.generations.length > 0 ? { generations: job.generations.map((g) => `${g.id}:${g.status}`) } : {}),
      });
    },
    ended(job) {
      metrics.engineEvents.ended(job);
      lastState.delete(job.id);
      const line = job.state === 'done' || job.state === 'cancelled' ? 'info' : 'warn';
      log.child({ job: job.id })[line]('job.ended', {
        state: job.state,
        platform: job.requester.platform,
        ...(job.failure ? { failure: job.failure } : {}),
        ...(job.submittedAt && job.endedAt ? { seconds: Math.round((job.endedAt - job.submittedAt) / 1000) } : {}),
      });
    },
    delivery(report) {
      metrics.engineEvents.delivery(report);
      const line = report.outcome === 'failed' || report.outcome === 'handed_back' || report.outcome === 'gave_up' ? 'warn' : 'info';
      log.child({ job: report.job.id })[line]('job.delivery', {
        generation: report.generation.id,
        outcome: report.outcome,
        ...(report.latencyMs !== undefined ? { latencyMs: report.latencyMs } : {}),
      });
    },
  };
}
