/**
 * What the bot posts: the status message, the summary that goes with a video, the parameters
 * of a job, the list of a person's jobs. Every body disables mentions: prompts and file names
 * are echoed as they were typed.
 */
import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import type { GenerationRecord, JobRecord } from '../core/jobs/job.js';
import type { JobPhase, JobView } from '../core/jobs/ports.js';
import { clipText, code, describeFailure, DISCORD_FAILURE_HINTS, DISCORD_TEXT_LIMIT } from '../core/messages.js';
import { promptSent, referenceNotes, settingsSummary, shortfallNote, shownLabel, videoOrdinal, type ShownReference } from '../core/summary.js';
import { settingOrigins } from '../core/settings/describe.js';
import { findModel } from '../core/models/catalog.js';
import type { ReferenceMapping } from '../core/references/prompt-references.js';
import { jobButtonId, remixButtonId, type JobAction } from './custom-ids.js';
import { ACTION_LABELS, DELIVERED_ACTIONS, ENDED_ACTIONS, remixLabel, RUNNING_ACTIONS } from '../core/job-actions.js';
import { jobParameters } from '../core/parameters.js';
import { moneyLine } from '../core/cost-view.js';

export const NO_MENTIONS = { parse: [] as [] };

/** What a message may ping: nothing, or (the video is ready) the person who asked and no one else. */
export type AllowedMentions = typeof NO_MENTIONS | { parse: []; users: string[] };

export interface MessageBody {
  content: string;
  components: APIActionRowComponent<APIButtonComponent>[];
  allowed_mentions: AllowedMentions;
}

/**
 * The one exception to "no mentions": the message that delivers a video pings the person who asked
 * (their id is a snowflake, checked as such), and only them.
 */
export function requesterPing(job: JobRecord): { mention: string; allowed: AllowedMentions } {
  const id = job.requester.userId;
  if (job.requester.platform !== 'discord' || !/^\d{1,20}$/.test(id)) return { mention: '', allowed: NO_MENTIONS };
  return { mention: `<@${id}> `, allowed: { parse: [], users: [id] } };
}

const ACTIVE_PHASES: readonly JobPhase[] = ['waiting', 'submitting', 'queued', 'processing', 'delivering'];
export const isActivePhase = (phase: JobPhase) => ACTIVE_PHASES.includes(phase);

const STYLES: Record<JobAction, ButtonStyle> = {
  cancel: ButtonStyle.Danger,
  retry: ButtonStyle.Primary,
  edit: ButtonStyle.Secondary,
  params: ButtonStyle.Secondary,
};

export function buttonRow(jobId: string, actions: readonly JobAction[]): APIActionRowComponent<APIButtonComponent> {
  return {
    type: ComponentType.ActionRow,
    components: actions.map((action) => ({ type: ComponentType.Button, custom_id: jobButtonId(action, jobId), label: ACTION_LABELS[action], style: STYLES[action] }) as APIButtonComponent),
  };
}

/** Remix of one of a job's videos (`of` > 1: the button says which). */
export function remixButton(jobId: string, index: number, of: number): APIButtonComponent {
  return { type: ComponentType.Button, custom_id: remixButtonId(jobId, index), label: remixLabel(index, of), style: ButtonStyle.Success };
}

/** The buttons of a delivered video: Retry, Edit prompt, Remix (this video), Parameters. */
export function deliveredRow(job: JobRecord, generation: GenerationRecord): APIActionRowComponent<APIButtonComponent> {
  const row = buttonRow(job.id, DELIVERED_ACTIONS);
  const index = job.generations.findIndex((g) => g.id === generation.id) + 1;
  const params = DELIVERED_ACTIONS.indexOf('params');
  if (index > 0) row.components.splice(params < 0 ? row.components.length : params, 0, remixButton(job.id, index, job.generations.length));
  return row;
}

/** Buttons for a job in this phase: Cancel while it runs, Retry and Edit once it ended. */
export function actionsFor(phase: JobPhase): readonly JobAction[] {
  return isActivePhase(phase) ? RUNNING_ACTIONS : ENDED_ACTIONS;
}

export function modelName(job: JobRecord): string {
  return findModel(job.modelId)?.displayName ?? job.modelId;
}

/** A prompt as a block quote, shortened. */
export function quote(text: string, max = 300): string {
  const short = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return short
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

export function elapsed(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? ` ${s}s` : ` ${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

export function phaseLine(view: JobView): string {
  switch (view.phase) {
    case 'waiting':
      return `⏳ Waiting for a free slot${view.position !== undefined ? ` (#${view.position} in line)` : ''}.`;
    case 'submitting':
      return '📤 Sending to Oxen…';
    case 'queued':
      return `🕒 Queued at Oxen…${elapsed(view.elapsedSec)}`;
    case 'processing':
      return `⚙️ Generating…${elapsed(view.elapsedSec)}`;
    case 'delivering':
      return '📦 Uploading the video…';
    case 'done': {
      const { threadId } = view.job.destination;
      const partial = shortfallNote(view.job);
      const videos = view.job.generations.length > 1 ? 'the videos are' : 'the video is';
      return `${threadId ? `✅ Done: ${videos} in <#${threadId}>.` : '✅ Done.'}${partial ? ` ${partial}` : ''}`;
    }
    case 'failed':
      return `❌ ${describeFailure(view.failure ?? view.job.failure ?? { code: 'unknown' }, DISCORD_FAILURE_HINTS)}`;
    case 'cancelled':
      return '🚫 Cancelled.';
    case 'timed_out':
      return `⌛ ${describeFailure(view.failure ?? view.job.failure ?? { code: 'job.timed_out' })}`;
  }
}

/**
 * Lines within Discord's 2,000 characters. The lines at `flexible` (in that order) are shortened
 * first, so what must stay whole (a link, the job id, the delivery marker) is never cut off.
 */
export function fitContent(lines: readonly (string | undefined)[], flexible: readonly number[]): string {
  const present = [...lines];
  const measure = DISCORD_TEXT_LIMIT.measure!;
  const text = () => present.filter((l): l is string => l !== undefined).join('\n');
  for (const i of flexible) {
    const line = present[i];
    const over = measure(text()) - DISCORD_TEXT_LIMIT.maxChars;
    if (over <= 0) break;
    if (line !== undefined) present[i] = clipText(line, { ...DISCORD_TEXT_LIMIT, maxChars: Math.max(1, measure(line) - over) });
  }
  return clipText(text(), DISCORD_TEXT_LIMIT);
}

export function statusMessage(view: JobView): MessageBody {
  const { job } = view;
  const origins = settingOrigins(job);
  const lines = [`🎬 **${modelName(job)}** for <@${job.requester.userId}>`, quote(promptSent(job)), phaseLine(view), `-# ${moneyLine(job)}`, origins ? `-# ${origins}` : undefined, `-# Job ${code(job.id)}`];
  return { content: fitContent(lines, [1, 4, 2]), components: [buttonRow(job.id, actionsFor(view.phase))], allowed_mentions: NO_MENTIONS };
}


/** `References: @Image1 = \`selfie.jpg\` (real face, your @Image2), …`: the labels of the prompt the model receives. */
export function referenceLine(references: readonly ShownReference[]): string | undefined {
  if (references.length === 0) return undefined;
  const notes = (r: ShownReference) => referenceNotes(r).join(', ');
  return `References: ${references.map((r) => `${shownLabel(r)} = ${code(r.name)}${notes(r) ? ` (${notes(r)})` : ''}`).join(', ')}`;
}

/** What findDelivered looks for: the generation id, in the footer of the post that delivers it. */
export const deliveryMarker = (generation: GenerationRecord) => `gen ${generation.id}`;

function footer(job: JobRecord, generation: GenerationRecord): string {
  return `-# Job ${code(job.id)} · ${deliveryMarker(generation)}`;
}

/** The text posted with a finished video. */
export function videoSummary(job: JobRecord, generation: GenerationRecord): MessageBody {
  const ping = requesterPing(job);
  const lines = [`${ping.mention}🎬 **${modelName(job)}**${videoOrdinal(job, generation)} · ${settingsSummary(job)}`, referenceLine(job.references), footer(job, generation)];
  return { content: fitContent(lines, [1, 0]), components: [deliveredRow(job, generation)], allowed_mentions: ping.allowed };
}

/** The summary with a link instead of the file: the link and the delivery marker are kept whole. */
export function linkMessage(job: JobRecord, generation: GenerationRecord, url: string, why: string): MessageBody {
  const lines = [`${requesterPing(job).mention}🎬 **${modelName(job)}**${videoOrdinal(job, generation)} · ${settingsSummary(job)}`, why, url, referenceLine(job.references), footer(job, generation)];
  return { ...videoSummary(job, generation), content: fitContent(lines, [3, 1, 0]) };
}

/**
 * A delivery post's content with the video's cost (`-# Cost: …`) just above its footer, which stays
 * last and whole (it carries the delivery marker); a cost line already there is replaced.
 */
export function withCostLine(content: string, costText: string): string {
  const lines = content.split('\n').filter((line) => !line.startsWith('-# Cost'));
  const footer = lines.pop() ?? '';
  const all = [...lines, `-# ${costText}`, footer];
  // Shortened from the end when needed, never a link (it would stop working).
  const flexible = lines.map((_, i) => i).filter((i) => !/^<?https?:\/\//.test(lines[i]!)).reverse();
  return fitContent(all, flexible);
}

export function parametersText(job: JobRecord): string {
  const lines = [
    `**Job ${code(job.id)}** · ${modelName(job)} · ${job.state}`,
    quote(promptSent(job), 1500),
    jobParameters(job).map((p) => `${p.name} ${code(p.value)}`).join(' · '),
    referenceLine(job.references),
    job.retryOf ? `Retry of ${code(job.retryOf)}` : undefined,
    job.remixOf ? `Remix of video ${job.remixOf.index} of ${code(job.remixOf.jobId)}` : undefined,
    settingOrigins(job),
  ];
  return fitContent(lines, [3, 6, 1]);
}

export function startedText(job: JobRecord, mapping: readonly ReferenceMapping[]): string {
  const where = job.destination.threadId ? ` Follow it in <#${job.destination.threadId}>.` : '';
  return fitContent([`Started job ${code(job.id)} with ${modelName(job)}.${where}`, referenceLine(mapping)], [1]);
}

export function jobsList(views: readonly JobView[]): { content: string; components: APIActionRowComponent<APIButtonComponent>[] } {
  if (views.length === 0) return { content: 'You have no videos yet. Start one with `/video`.', components: [] };
  const lines = views.map((v) => `${code(v.job.id)} · ${v.phase}${v.position !== undefined ? ` · #${v.position} in line` : ''}${elapsed(v.elapsedSec)} · ${quote(v.job.request.prompt, 60).slice(2)}`);
  // Discord allows five rows of buttons: one per job, newest first.
  const components = views.slice(0, 5).map((v) => buttonRow(v.job.id, isActivePhase(v.phase) ? ['cancel', 'params'] : ['retry', 'params']));
  return { content: clipText(['Your videos, newest first:', ...lines].join('\n'), DISCORD_TEXT_LIMIT), components };
}
