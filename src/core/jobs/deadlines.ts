/** The job deadline: a job at Oxen longer than deadlineMs is cancelled there and ends as timed out. */
import { TERMINAL_STATUSES } from '../oxen/types.js';
import type { EngineContext } from './context.js';
import type { JobRecord } from './job.js';

export function pastDeadline(ctx: EngineContext, job: JobRecord, now: number): boolean {
  return job.state === 'running' && !!job.submittedAt && now - job.submittedAt > ctx.settings.deadlineMs;
}

export async function timeOut(ctx: EngineContext, id: string): Promise<void> {
  const job = ctx.tracked.get(id);
  if (!job || job.state !== 'running') return;
  await ctx.finisher.cancelAtOxen(job);
  for (const g of job.generations) if (!TERMINAL_STATUSES.includes(g.status)) g.status = 'cancelled';
  // Finished generations are still delivered; the job ends as timed out once they are (or ends
  // as a failed delivery: past the deadline, a delivery that fails again is given up). No poll
  // starts for a job past its deadline, so the delivery is started (or kept waiting) from here.
  const pending = job.generations.filter((g) => g.status === 'succeeded' && g.delivery === 'pending');
  for (const g of pending) void ctx.deliveries.deliver(job, g);
  if (pending.length > 0) return;
  // A video was made but its delivery was given up (and none was delivered): that is what the person hears.
  if (job.generations.some((g) => g.delivery === 'failed') && !job.generations.some((g) => g.delivery === 'delivered')) {
    await ctx.finisher.maybeFinish(job);
    return;
  }
  job.failure = { code: 'job.timed_out', limitMinutes: Math.round((ctx.settings.deadlineMs / 60_000) * 10) / 10 };
  await ctx.finisher.finish(job, 'timed_out');
}
