/**
 * Taking a request in (DESIGN.md steps 3–4): a free id, the person's slot, the budget, the files,
 * the thread and the record, in that order, and handing the saved job to the engine. Every path
 * that stops part-way gives back what it took (undoAdmission); the slot repair (repair.ts) covers
 * a crash in between, through the admission mark held for the whole of it.
 */
import { isBotError } from '../errors.js';
import type { ModelSchemas } from '../models/schemas.js';
import type { CostEstimate } from '../models/cost.js';
import { planGeneration, previewPlan, type GenerationPlan, type PlanPreview } from '../plan.js';
import type { PrepareOptions } from '../references/prepare.js';
import type { DownloadGate } from '../references/download-gate.js';
import type { MediaConverter } from '../media/converter.js';
import type { ReferenceStore } from '../references/reference-store.js';
import type { IncomingAttachment } from '../references/types.js';
import type { ReferenceMapping } from '../references/prompt-references.js';
import type { GenerationRequest } from '../request.js';
import { fail, ok, type Problem, type Result } from '../result.js';
import { budgetDay, giveBack, reserveBudget, type BudgetLimits } from './budget.js';
import { userSet, type JobEngine } from './engine.js';
import type { Destination, JobRecord, Requester } from './job.js';
import type { Membership } from '../settings/settings.js';
import type { JobView, PlatformPort } from './ports.js';
import type { JobStore } from './store.js';
import { ADMISSION_MARK_MS, admissionMark } from './repair.js';

export interface SubmitInput {
  request: GenerationRequest;
  attachments: readonly IncomingAttachment[];
  requester: Requester;
  /** Where to report; the status message and thread are created by the adapter's openThread. */
  destination: Pick<Destination, 'platform' | 'channelId'>;
  retryOf?: string;
  /** Set for a remix (JobRecord.remixOf). */
  remixOf?: JobRecord['remixOf'];
  /** Stored with the job for the adapter (see JobRecord.origin). */
  origin?: string;
  /** The person's roles (Discord) when the adapter has them; otherwise the port's memberOf is asked. */
  membership?: Membership;
  /** Set by the service from the server's settings: today's allowances for this request. */
  limits?: BudgetLimits;
  /** Set by the service: options whose value came from the settings (JobRecord.settingSources). */
  settingSources?: JobRecord['settingSources'];
}

export interface Submitted {
  job: JobRecord;
  view: JobView;
  mapping: ReferenceMapping[];
}

export interface IntakeDeps {
  store: JobStore;
  schemas: ModelSchemas;
  engine: JobEngine;
  ports: ReadonlyMap<string, PlatformPort>;
  /** Where a job's files wait until it is launched (see ReferenceStore). */
  references: ReferenceStore;
  /** The cap on bytes downloaded at once; default the process-wide one. */
  downloads?: DownloadGate;
  /** FFmpeg: converts files the model does not take (src/core/media); without it they are refused. */
  media?: MediaConverter;
  /** Failures that are not the person's to hear about (a release that failed), for the log. */
  onError?(error: unknown, context: { step: string }): void;
}

export interface IntakeSettings {
  /** Jobs one person may have in flight at once. */
  perUserLimit: number;
  budget: BudgetLimits;
  now: () => number;
  /** Makes a job id (random; tests pass a sequence to stage a collision). */
  newId: () => string;
}

/** Tries at picking an id no job has: 6 random characters collide for 1 in 10^5 new jobs at 10,000 jobs kept. */
const ID_TRIES = 5;

/** What submit() has taken for a job not saved yet, to give back if it goes no further. */
interface Taken {
  userKey: string;
  id: string;
  slot?: boolean;
  budget?: { requester: Requester; reservation: JobRecord['reservation'] };
  files?: boolean;
  saved?: boolean;
}

export class Intake {
  constructor(
    private readonly deps: IntakeDeps,
    private readonly settings: IntakeSettings,
  ) {}

  async submit(input: SubmitInput): Promise<Result<Submitted>> {
    const { store } = this.deps;
    const port = this.deps.ports.get(input.destination.platform);
    if (!port) throw new Error(`no adapter for ${input.destination.platform}`);

    // The cheap checks first (DESIGN.md step 3): nothing is downloaded for a request that the file
    // count, the declared sizes, the options, the person's limit or the budget refuse.
    const referenceOptions = { ...(this.deps.downloads ? { gate: this.deps.downloads } : {}), ...(this.deps.media ? { converter: this.deps.media } : {}) };
    const preview = await previewPlan(input.request, input.attachments, { schemas: this.deps.schemas, referenceOptions });
    if (!preview.ok) return preview;

    const id = await this.freeId();
    const now = this.settings.now();
    const userKey = userSet({ requester: input.requester });
    // Held from before the slot is taken until the record is saved: the slot repair leaves the
    // slot of a job being admitted alone (repair.ts), and drops it if this process dies first.
    const mark = admissionMark(id);
    await store.acquireLease(mark, id, ADMISSION_MARK_MS);
    const taken: Taken = { userKey, id };
    try {
      return await this.admit(input, preview.value, taken, now, referenceOptions);
    } catch (error) {
      // A store failure (or anything else) before the job was saved: give back what was taken.
      if (!taken.saved) await this.undoAdmission(taken);
      throw error;
    } finally {
      await store.releaseLease(mark, id).catch(() => undefined);
    }
  }

  /**
   * An id no saved job has and no other admission holds: it names the person's slot, the files and
   * the thread before the record exists, so a collision must be caught here, not at the save.
   */
  private async freeId(): Promise<string> {
    for (let i = 0; i < ID_TRIES; i++) {
      const id = this.settings.newId();
      if (!(await this.deps.store.get(id)) && (await this.deps.store.claim(`job:id:${id}`, ADMISSION_MARK_MS))) return id;
    }
    throw new Error(`no free job id after ${ID_TRIES} tries`);
  }

  /**
   * Takes the person's slot and the budget (on the declared files), then downloads and checks the
   * files, opens the thread, saves the job with its files and hands it to the engine.
   */
  private async admit(input: SubmitInput, preview: PlanPreview, taken: Taken, now: number, referenceOptions: PrepareOptions): Promise<Result<Submitted>> {
    const { store, engine } = this.deps;
    const { id, userKey } = taken;
    if (!(await store.joinCapped(userKey, id, this.settings.perUserLimit))) {
      const jobs = (await Promise.all((await store.members(userKey)).map((jobId) => store.get(jobId)))).filter((j) => j !== undefined);
      const positions = await engine.positions();
      const described = jobs.map((j) => {
        const view = engine.view(j, positions);
        return `${j.id}: ${view.phase}${view.position !== undefined ? `, #${view.position} in line` : ''}`;
      });
      return fail({ code: 'quota.user_in_flight', params: { limit: this.settings.perUserLimit, jobs: described } }, ...preview.optionProblems);
    }
    taken.slot = true;
    // The budget on the declared files first (when they fit the model), so a refused request
    // downloads nothing; held again on the plan's estimate when the bytes changed it.
    if (preview.estimate) {
      const refused = await this.holdBudget(input, taken, preview.estimate, now);
      if (refused) return refused;
    }
    const planned = await planGeneration(input.request, input.attachments, { schemas: this.deps.schemas, referenceOptions });
    if (!planned.ok) {
      await this.undoAdmission(taken);
      return planned;
    }
    // The files are in the request's temporary directory until saved below: removed on every path.
    try {
      return await this.admitPlanned(input, planned.value, taken, now);
    } finally {
      await planned.value.release();
    }
  }

  /** With the files read and checked: the budget on what they are, the thread, the save. */
  private async admitPlanned(input: SubmitInput, plan: GenerationPlan, taken: Taken, now: number): Promise<Result<Submitted>> {
    const { store, engine } = this.deps;
    const { id } = taken;
    const port = this.deps.ports.get(input.destination.platform)!;
    if (!taken.budget || !sameEstimate(taken.budget.reservation, plan.estimate)) {
      const refused = await this.holdBudget(input, taken, plan.estimate, now);
      if (refused) return refused;
    }
    const reservation = taken.budget!.reservation;

    const body = { model: plan.model.id, prompt: plan.modelPrompt, num_generations: plan.settings.count };
    const shown = new Map(plan.mapping.map((m) => [m.label, m]));
    const job: JobRecord = {
      id,
      state: 'waiting',
      requester: input.requester,
      destination: { ...input.destination },
      request: plan.request,
      modelId: plan.model.id,
      body,
      settings: plan.settings,
      references: plan.references.map((r) => ({
        name: r.name,
        label: r.label,
        kind: r.kind,
        size: r.size,
        ...(r.durationSec !== undefined ? { durationSec: r.durationSec } : {}),
        ...(r.note ? { note: r.note } : {}),
        ...(shown.get(r.label)?.face ? { face: true } : {}),
        ...(shown.get(r.label)?.sentAs ? { sentAs: shown.get(r.label)!.sentAs! } : {}),
      })),
      generations: [],
      reservation,
      createdAt: now,
      updatedAt: now,
      attempts: 0,
      ...(input.retryOf ? { retryOf: input.retryOf } : {}),
      ...(input.remixOf ? { remixOf: input.remixOf } : {}),
      ...(input.origin ? { origin: input.origin } : {}),
      ...(input.settingSources && Object.keys(input.settingSources).length > 0 ? { settingSources: input.settingSources } : {}),
    };

    // The status message and thread first, then the record with where to report (DESIGN.md step 4).
    try {
      const opened = await port.openThread(job, engine.view(job));
      // Object.assign, not a literal opening with a spread: kept with every job in flight, and
      // V8 (Node 20) gives each such object a hidden class of its own (about 400 bytes each).
      job.destination = Object.assign({}, job.destination, { statusMessageId: opened.statusMessageId }, opened.threadId ? { threadId: opened.threadId } : {});
    } catch (error) {
      await this.undoAdmission(taken);
      return fail({ code: 'platform.cannot_post', params: { reason: isBotError(error) ? error.code : 'unknown' } });
    }
    // The files wait in the reference store (not in memory) until the job is launched.
    taken.files = true;
    await this.deps.references.save(id, plan.references);
    if (!(await engine.claim(id)) || !(await store.create(job))) throw new Error(`job id ${id} was taken`);
    taken.saved = true;
    await engine.admit(job);
    return ok({ job, view: engine.view(job), mapping: plan.mapping });
  }

  /** Reserves an estimate against the scope's and the person's allowance; the refusal when it does not fit. */
  private async hold(owner: { requester: Requester; reservation: { day: string } }, estimate: CostEstimate, limits: BudgetLimits): Promise<Problem | undefined> {
    const held = await reserveBudget(this.deps.store, owner, estimate, limits);
    if (held.granted) return undefined;
    return { code: held.person ? 'quota.person_exhausted' : 'quota.budget_exhausted', params: { unit: held.unit, used: held.used, limit: held.limit, needed: held.unit === 'usd' ? (estimate.usd ?? 0) : estimate.videoSeconds } };
  }

  /**
   * Frees what a job that was never saved took: the person's slot and the budget, each whatever
   * becomes of the other, once. A slot whose release fails is dropped by the slot repair.
   */
  private async undoAdmission(taken: Taken): Promise<void> {
    const { store } = this.deps;
    const { slot, budget, files } = taken;
    delete taken.slot;
    delete taken.budget;
    delete taken.files;
    const errors: unknown[] = [];
    await Promise.all([
      slot ? store.leave(taken.userKey, taken.id).catch((error: unknown) => errors.push(error)) : undefined,
      budget ? giveBack(store, budget, { videoSeconds: budget.reservation.videoSeconds, usd: budget.reservation.usd ?? 0 }).catch((error: unknown) => errors.push(error)) : undefined,
      files ? this.deps.references.remove(taken.id).catch((error: unknown) => errors.push(error)) : undefined,
    ]);
    if (errors.length > 0) this.deps.onError?.(errors[0], { step: 'undo_admission' });
  }

  /** Holds `estimate` against today's allowance (giving back what was held before); the refusal, if any. */
  private async holdBudget(input: SubmitInput, taken: Taken, estimate: CostEstimate, now: number): Promise<Result<Submitted> | undefined> {
    const { store } = this.deps;
    if (taken.budget) {
      const before = taken.budget;
      delete taken.budget;
      await giveBack(store, before, { videoSeconds: before.reservation.videoSeconds, usd: before.reservation.usd ?? 0 });
    }
    const reservation = { day: budgetDay(now), videoSeconds: estimate.videoSeconds, ...(estimate.usd !== undefined ? { usd: estimate.usd } : {}), settled: false };
    const refused = await this.hold({ requester: input.requester, reservation }, estimate, input.limits ?? this.settings.budget);
    if (refused) {
      await this.undoAdmission(taken);
      return fail(refused);
    }
    taken.budget = { requester: input.requester, reservation };
    return undefined;
  }
}

const sameEstimate = (held: { videoSeconds: number; usd?: number }, estimate: CostEstimate) =>
  held.videoSeconds === estimate.videoSeconds && held.usd === estimate.usd;
