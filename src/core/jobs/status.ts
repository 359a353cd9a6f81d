/** What a job looks like to people (its phase and view) and the edits of its status message. */
import type { EngineContext } from './context.js';
import { isTerminal, type JobRecord } from './job.js';
import type { JobPhase, JobView } from './ports.js';

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

/** `positions`: where each waiting job stands in line (only read for a waiting job). */
export function viewOf(job: JobRecord, now: number, positions: () => ReadonlyMap<string, number>): JobView {
  const phase = phaseOf(job);
  const position = phase === 'waiting' ? positions().get(job.id) : undefined;
  const elapsedSec = job.submittedAt ? Math.max(0, Math.round(((job.endedAt ?? now) - job.submittedAt) / 1000)) : undefined;
  return {
    job,
    phase,
    ...(position !== undefined ? { position } : {}),
    ...(elapsedSec !== undefined ? { elapsedSec } : {}),
    ...(job.failure ? { failure: job.failure } : {}),
  };
}

/** An edit of one status message; `view` may still be replaced by a newer one until it starts. */
interface Edit {
  view: JobView;
  started: boolean;
  done: Promise<void>;
}

export class StatusMessages {
  private readonly lastEdit = new Map<string, number>();
  /** The last edit of each message still under way or waiting (dropped once it is done). */
  private readonly edits = new Map<string, Edit>();

  constructor(private readonly ctx: EngineContext) {}

  view(job: JobRecord, positions?: ReadonlyMap<string, number>): JobView {
    return viewOf(job, this.ctx.settings.now(), () => positions ?? this.ctx.admission.cachedPositions());
  }

  /** Whether a progress edit (no new phase) of this job's status message may go now. */
  progressDue(job: JobRecord, now: number): boolean {
    return now - (this.lastEdit.get(job.id) ?? 0) >= this.ctx.settings.progressIntervalMs;
  }

  /**
   * Edits the status message: at once for a new phase, at most every progressIntervalMs otherwise.
   * Edits of one message go out one after another, so a slow progress edit can never land after
   * the final one and leave the message saying "delivering"; an edit still waiting for the one
   * under way only shows the newest view (a slow or rate-limited platform gets one edit, not a
   * backlog of views nobody will see).
   */
  async show(job: JobRecord, phaseChanged: boolean, positions?: ReadonlyMap<string, number>): Promise<void> {
    const port = this.ctx.deps.ports.get(job.destination.platform);
    if (!port || !job.destination.statusMessageId) return;
    const now = this.ctx.settings.now();
    if (!phaseChanged && !this.progressDue(job, now)) return;
    // An ended job gets no progress edits, and its last edits (the cost) come after forget().
    if (isTerminal(job.state)) this.lastEdit.delete(job.id);
    else this.lastEdit.set(job.id, now);
    const view = this.view(job, positions);
    const last = this.edits.get(job.id);
    if (last && !last.started) {
      last.view = view;
      return last.done;
    }
    const edit: Edit = { view, started: false, done: Promise.resolve() };
    edit.done = (last?.done ?? Promise.resolve())
      .then(() => {
        edit.started = true;
        return port.updateStatus(job, edit.view);
      })
      .catch((error: unknown) => this.ctx.report(error, 'status', job.id))
      .finally(() => {
        if (this.edits.get(job.id) === edit) this.edits.delete(job.id);
      });
    this.edits.set(job.id, edit);
    await edit.done;
  }

  /** Waits for every edit under way or waiting (at shutdown). */
  async settle(): Promise<void> {
    await Promise.all([...this.edits.values()].map((edit) => edit.done));
  }

  /** The job was let go; an edit under way or waiting still goes out, and drops itself when done. */
  forget(id: string): void {
    this.lastEdit.delete(id);
  }

  /** Jobs whose last progress edit is remembered (none once every job has ended). */
  get remembered(): number {
    return this.lastEdit.size;
  }
}
