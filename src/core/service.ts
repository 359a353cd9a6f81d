/**
 * The one facade the adapters call: submit, cancel, retry, list, status. Inputs are already
 * parsed; every refusal comes back as Problems with stable codes, never as a throw. Taking a
 * request in (id, slot, budget, files, thread, record) is src/core/jobs/intake.ts.
 */
import { findModel, modelFor } from './models/catalog.js';
import type { ModelSchemas } from './models/schemas.js';
import type { ReferenceStore } from './references/reference-store.js';
import type { IncomingAttachment } from './references/types.js';
import { fail, ok, type Problem, type Result } from './result.js';
import type { BudgetLimits } from './jobs/budget.js';
import type { Launch } from './jobs/engine.js';
import { Intake, type IntakeDeps, type SubmitInput, type Submitted } from './jobs/intake.js';
import { isTerminal, newJobId, type JobRecord, type Platform } from './jobs/job.js';
import type { JobView } from './jobs/ports.js';
import type { Membership, ServerSettings, Usage } from './settings/settings.js';
import { readUsage } from './usage.js';
import type { OriginalLink } from './jobs/ports.js';
import type { GenerationRecord, Requester } from './jobs/job.js';
import type { GenerationRequest } from './request.js';
import { recallJob, remixOptions, type Recalled, type Viewer } from './recall/recall.js';
import { finishedGeneration, resultAttachment, selectForRemix, type LeftOut, type RemixSelection, type ResultSource } from './recall/remix.js';

export type { SubmitInput, Submitted } from './jobs/intake.js';

export interface ServiceSettings {
  /** Jobs one person may have in flight at once. */
  perUserLimit: number;
  budget: BudgetLimits;
  /** `platform:userId` of people who may cancel or retry anyone's job. */
  admins: ReadonlySet<string>;
  now: () => number;
  /** Makes a job id (random; tests pass a sequence to stage a collision). */
  newId: () => string;
}

export const DEFAULT_SERVICE_SETTINGS: ServiceSettings = { perUserLimit: 2, budget: {}, admins: new Set(), now: Date.now, newId: newJobId };

export interface RetryChanges {
  /** The files again: needed when the job had references (the core keeps no copies). */
  attachments?: readonly IncomingAttachment[];
  /** A new prompt (Discord's "Edit prompt"); the options stay. */
  prompt?: string;
  /** The person's roles, when the adapter has them (see SubmitInput.membership). */
  membership?: Membership;
}

export interface RemixInput {
  /** Who remixes (the new job is theirs, counted against their allowance) and from where. */
  requester: Requester;
  /** The prompt and options from the form; the mode is always reference-to-video. */
  request: GenerationRequest;
  /** The earlier job's files fetched again, in its order (the core keeps no copies); absent or short: none go along. */
  earlier?: readonly IncomingAttachment[];
  membership?: Membership;
}

export type Remixed = Submitted & { leftOut: LeftOut[] };

export interface Actor {
  platform: Platform;
  userId: string;
}

/**
 * The same request for a Retry (or Edit prompt): the options stay, but a seed the bot drew is
 * dropped so a new one is drawn; a seed the person typed is kept (they asked for that video).
 */
export function retryRequest(previous: GenerationRequest, prompt?: string): GenerationRequest {
  const options = { ...previous.options };
  if (!previous.given?.includes('seed')) delete options.seed;
  return { ...previous, options, ...(prompt !== undefined ? { prompt } : {}) };
}

export class VideoService {
  readonly settings: ServiceSettings;
  private readonly intake: Intake;

  /** The servers' (workspaces') and channels' own settings, when the bot has them (src/core/settings). */
  readonly serverSettings: ServerSettings | undefined;

  constructor(
    private readonly deps: IntakeDeps & {
      serverSettings?: ServerSettings;
      /** Finished videos, fetched again for a remix (see oxenResults); without it, remix is refused. */
      results?: ResultSource;
      /** The bot's lasting links to finished videos (ResultLinks), when it has a public address. */
      linkFor?: (job: JobRecord, generation: GenerationRecord) => OriginalLink | undefined;
    },
    settings: Partial<ServiceSettings> = {},
  ) {
    this.settings = { ...DEFAULT_SERVICE_SETTINGS, ...settings };
    this.intake = new Intake(deps, this.settings);
    this.serverSettings = deps.serverSettings;
  }

  /** The server's and channel's settings first (a cheap read): the request as they resolve it, or why they refuse it. */
  async submit(input: SubmitInput): Promise<Result<Submitted>> {
    const serverSettings = this.deps.serverSettings;
    if (!serverSettings) return this.intake.submit(input);
    const { requester, destination } = input;
    const port = this.deps.ports.get(destination.platform);
    const membership: Membership = {
      ...input.membership,
      ...(!input.membership?.groups && port?.memberOf ? { inAnyGroup: (ids: readonly string[]) => port.memberOf!(requester, ids) } : {}),
    };
    const applied = await serverSettings.apply({ platform: destination.platform, scopeId: requester.scopeId, channelId: destination.channelId }, input.request, membership);
    if (!applied.ok) return applied;
    const { request, limits, sources } = applied.value;
    return this.intake.submit({ ...input, request, limits: { ...this.settings.budget, ...limits }, settingSources: sources });
  }

  async cancel(id: string, actor: Actor): Promise<Result<JobView>> {
    const job = await this.ownJob(id, actor);
    if (!job.ok) return job;
    if (isTerminal(job.value.state)) return fail({ code: 'job.already_ended', params: { id, state: job.value.state } });
    const after = await this.deps.engine.cancel(id);
    return ok(this.deps.engine.view(after ?? job.value));
  }

  /**
   * The same request again as a new job; files must be attached again if the job had any, all of
   * them (a thread keeps only the files a message could carry: discord/submit.ts).
   */
  async retry(id: string, actor: Actor, changes: RetryChanges = {}): Promise<Result<Submitted>> {
    const job = await this.ownJob(id, actor);
    if (!job.ok) return job;
    const previous = job.value;
    const attachments = changes.attachments ?? [];
    if (previous.remixOf) return this.retryRemix(previous, actor, changes);
    if (attachments.length < previous.references.length) return fail({ code: 'job.retry_needs_files', params: { id } });
    return this.submit({
      request: retryRequest(previous.request, changes.prompt),
      attachments,
      ...(previous.origin ? { origin: previous.origin } : {}),
      requester: previous.requester,
      destination: { platform: previous.destination.platform, channelId: previous.destination.channelId },
      retryOf: previous.id,
      ...(changes.membership ? { membership: changes.membership } : {}),
    });
  }

  /** A person's recent jobs, newest first, with queue positions. */
  async list(actor: Actor, limit = 10): Promise<JobView[]> {
    const ids = await this.deps.store.recentIdsOf(actor.platform, actor.userId, limit);
    const jobs = await Promise.all(ids.map((id) => this.deps.store.get(id)));
    const positions = await this.deps.engine.positions();
    return jobs.filter((j): j is JobRecord => j !== undefined).map((j) => this.deps.engine.view(j, positions));
  }

  async status(id: string): Promise<Result<JobView>> {
    const job = await this.deps.store.get(id.trim().toLowerCase());
    if (!job) return fail({ code: 'job.not_found', params: { id } });
    return ok(this.deps.engine.view(job, job.state === 'waiting' ? await this.deps.engine.positions() : undefined));
  }

  /** One job by the id a person typed, only within their own server or workspace (src/core/recall). */
  recall(text: string, viewer: Viewer): Promise<Result<Recalled>> {
    const { store, engine } = this.deps;
    return recallJob(
      {
        get: (id) => store.get(id),
        view: async (job) => engine.view(job, job.state === 'waiting' ? await engine.positions() : undefined),
        isAdmin: (actor) => this.isAdmin(actor),
        ...(this.deps.linkFor ? { linkFor: this.deps.linkFor } : {}),
      },
      text,
      viewer,
    );
  }

  /** What the remix form starts from: the prompt relabelled for the new job and what goes with the video. Owner only. */
  async remixDraft(id: string, index: number, actor: Actor): Promise<Result<{ job: JobRecord; selection: RemixSelection; options: GenerationRequest['options'] }>> {
    const job = await this.ownJob(id, actor);
    if (!job.ok) return job;
    if (!this.deps.results || !finishedGeneration(job.value, index)) return fail({ code: 'job.no_video', params: { id: job.value.id, index } });
    const selection = selectForRemix(job.value, index);
    return ok({ job: job.value, selection, options: remixOptions(job.value, selection.faces) });
  }

  /**
   * A new reference-to-video job whose @Video1 is video `index` of job `id`, with the earlier
   * references that still fit. Owner only, like Retry: the person who paid for the video decides
   * what is made from it, and the remix is counted against the person who asks.
   */
  async remix(id: string, index: number, actor: Actor, input: RemixInput): Promise<Result<Remixed>> {
    const source = await this.ownJob(id, actor);
    if (!source.ok) return source;
    return this.submitRemix(source.value, index, input);
  }

  private async submitRemix(source: JobRecord, index: number, input: RemixInput, keep?: readonly number[], retryOf?: string): Promise<Result<Remixed>> {
    const generation = finishedGeneration(source, index);
    if (!this.deps.results || !generation) return fail({ code: 'job.no_video', params: { id: source.id, index } });
    const earlier = input.earlier ?? [];
    const selection = selectForRemix(source, index, { ...(keep ? { keep } : {}), available: earlier.length >= source.references.length });
    const submitted = await this.submit({
      request: { ...input.request, options: { ...input.request.options, mode: 'reference', frames: 'off' } },
      attachments: [resultAttachment(this.deps.results, source, index, generation), ...selection.kept.map((i) => earlier[i]!)],
      requester: input.requester,
      destination: { platform: source.destination.platform, channelId: source.destination.channelId },
      remixOf: { jobId: source.id, index, kept: selection.kept },
      ...(retryOf ? { retryOf } : {}),
      ...(input.membership ? { membership: input.membership } : {}),
    });
    return submitted.ok ? ok({ ...submitted.value, leftOut: selection.leftOut }) : submitted;
  }

  /** A remix again: the same video of the same job, with the references the remix kept. */
  private async retryRemix(previous: JobRecord, actor: Actor, changes: RetryChanges): Promise<Result<Submitted>> {
    const from = previous.remixOf!;
    const source = await this.deps.store.get(from.jobId);
    if (!source) return fail({ code: 'job.retry_needs_files', params: { id: previous.id } });
    return this.submitRemix(
      source,
      from.index,
      {
        requester: previous.requester,
        request: retryRequest(previous.request, changes.prompt),
        ...(changes.attachments ? { earlier: changes.attachments } : {}),
        ...(changes.membership ? { membership: changes.membership } : {}),
      },
      from.kept,
      previous.id,
    );
  }

  /** Today's use of the allowances with the operator's limits (the server's own: serverSettings.usage). */
  usage(place: { platform: Platform; scopeId: string }, userId: string): Promise<Usage> {
    return readUsage(this.deps.store, place, userId, this.settings.now(), this.settings.budget);
  }

  isAdmin(actor: Actor): boolean {
    return this.settings.admins.has(`${actor.platform}:${actor.userId}`);
  }

  /**
   * What the engine needs to launch a saved job, looked up when it is launched (also after a
   * restart, or on another instance): the catalog entry, the live schema and the files read back
   * from the reference store. Undefined when the job had files and they are gone (expired).
   */
  static relaunch(schemas: ModelSchemas, files: ReferenceStore) {
    return async (job: JobRecord): Promise<Launch | undefined> => {
      const model = findModel(job.modelId) ?? modelFor('fast', 'text');
      const references = job.references.length > 0 ? await files.load(job.id) : [];
      if (!references) return undefined;
      return { model, schema: (await schemas.get(model)).schema, references };
    };
  }

  private async ownJob(id: string, actor: Actor): Promise<Result<JobRecord, Problem>> {
    const job = await this.deps.store.get(id.trim().toLowerCase());
    if (!job) return fail({ code: 'job.not_found', params: { id } });
    const owner = job.requester.platform === actor.platform && job.requester.userId === actor.userId;
    if (!owner && !this.isAdmin(actor)) return fail({ code: 'job.not_owner', params: { id } });
    return ok(job);
  }
}
