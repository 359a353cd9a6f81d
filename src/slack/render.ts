/**
 * Block Kit for the status message, the delivery summary, help and the job list. Person-typed text
 * (prompts, file names) is escaped and sent with `verbatim: true`, so it never links or pings.
 */
import { promptSent, referenceNotes, settingsSummary, shortfallNote, shownLabel, type ShownReference } from '../core/summary.js';
import { settingOrigins } from '../core/settings/describe.js';
import type { JobRecord } from '../core/jobs/job.js';
import { isTerminal } from '../core/jobs/job.js';
import type { JobView } from '../core/jobs/ports.js';
import { clipText, describeFailure, type TextLimit } from '../core/messages.js';
import { findModel } from '../core/models/catalog.js';
import { helpSections, type HelpPlatform } from '../core/help/help.js';
import { ACTION_LABELS, DELIVERED_ACTIONS, ENDED_ACTIONS, remixLabel, RUNNING_ACTIONS, type JobAction } from '../core/job-actions.js';
import { jobParameters } from '../core/parameters.js';
import { moneyLine } from '../core/cost-view.js';
import { ACTION_IDS, ACTION_REMIX, VIDEO_COMMAND } from './requirements.js';
import { echo, escapeText } from './text.js';

/** A Block Kit block; kept loose on purpose (Slack validates, the fake records). */
export type Block = Record<string, unknown>;

export interface Rendered {
  text: string;
  blocks: Block[];
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });

/** Slack's limit for a section's text (the text here is already escaped, so it is counted as is). */
const SECTION_LIMIT: TextLimit = { maxChars: 3_000 };

/** Escaped text cut to `limit` without leaving half an entity (`&am…`). */
const clipEscaped = (text: string, limit: TextLimit) => clipText(text, limit).replace(/&[a-z]{0,4}…$/, '…');

/**
 * Escaped lines within one section's 3,000 characters. The lines at `flexible` (in that order) are
 * shortened first, so what must stay whole (a link, the job id) is not cut off.
 */
export function fitSection(lines: readonly (string | undefined)[], flexible: readonly number[]): string {
  const present = [...lines];
  const text = () => present.filter((l): l is string => l !== undefined).join('\n');
  for (const i of flexible) {
    const line = present[i];
    const over = text().length - SECTION_LIMIT.maxChars;
    if (over <= 0) break;
    if (line !== undefined) present[i] = clipEscaped(line, { maxChars: Math.max(1, line.length - over) });
  }
  return clipEscaped(text(), SECTION_LIMIT);
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

/** One line per phase: what is happening, and what the person can do. */
export function phaseLine(view: JobView): string {
  switch (view.phase) {
    case 'waiting':
      return view.position !== undefined ? `:hourglass: Waiting for a free slot (#${view.position} in line)` : ':hourglass: Waiting for a free slot';
    case 'submitting':
      return ':outbox_tray: Sending to Oxen…';
    case 'queued':
      return `:hourglass_flowing_sand: Queued at Oxen${view.elapsedSec !== undefined ? ` (${clock(view.elapsedSec)})` : ''}`;
    case 'processing':
      return `:clapper: Generating${view.elapsedSec !== undefined ? ` (${clock(view.elapsedSec)})` : ''}…`;
    case 'delivering':
      return ':inbox_tray: Uploading the video into the thread…';
    case 'done': {
      const partial = shortfallNote(view.job);
      return `:white_check_mark: Done: ${view.job.generations.length > 1 ? 'the videos are' : 'the video is'} in the thread.${partial ? ` ${partial}` : ''}`;
    }
    case 'cancelled':
      return ':no_entry_sign: Cancelled.';
    case 'timed_out':
      return `:alarm_clock: ${escapeText(describeFailure(view.failure ?? view.job.failure ?? { code: 'job.timed_out' }))}`;
    case 'failed':
      // Oxen's own words may be in it: escaped like anything else that came from outside.
      return `:x: ${escapeText(describeFailure(view.failure ?? view.job.failure ?? { code: 'unknown' }))}`;
  }
}

/** "Seedance 2.0 Fast - Text to Video · 720p · 5 s · audio on". */
export function settingsLine(job: JobRecord): string {
  const model = findModel(job.modelId)?.displayName ?? job.modelId;
  return `${model} · ${settingsSummary(job)}`;
}

/** `@Image1 = cat.png, @Video1 = clip.mp4`, escaped. */
export function referenceLine(job: JobRecord): string | undefined {
  if (job.references.length === 0) return undefined;
  const notes = (r: ShownReference) => referenceNotes(r).join(', ');
  return job.references.map((r) => `${shownLabel(r)} = ${echo(r.name, 80)}${notes(r) ? ` (${escapeText(notes(r))})` : ''}`).join(', ');
}

export function statusMessage(view: JobView): Rendered {
  const { job } = view;
  const refs = referenceLine(job);
  const lines = [`*${phaseLine(view)}*  ·  job \`${job.id}\``, `> ${echo(promptSent(job))}`, `_${escapeText(settingsLine(job))}_`, escapeText(moneyLine(job)), refs ? `References: ${refs}` : undefined];
  const blocks: Block[] = [{ type: 'section', block_id: `status:${job.id}`, text: mrkdwn(fitSection(lines, [4, 1, 0])) }];
  const origins = settingOrigins(job, 'workspace');
  blocks.push({ type: 'context', elements: [mrkdwn(`Requested by <@${job.requester.userId}>${origins ? ` · ${escapeText(origins)}` : ''}`)] });
  const terminal = isTerminal(job.state) || ['done', 'failed', 'cancelled', 'timed_out'].includes(view.phase);
  blocks.push(buttonRow(`job:${job.id}`, job.id, terminal ? ENDED_ACTIONS : RUNNING_ACTIONS));
  return { text: `${phaseLine(view)} (job ${job.id})`.slice(0, 3000), blocks };
}

const BUTTON_STYLES: Partial<Record<JobAction, 'primary' | 'danger'>> = { cancel: 'danger', retry: 'primary' };

/** An actions block: one button per action, the job id as the value (block ids must be unique in a message). */
export function buttonRow(blockId: string, jobId: string, actions: readonly JobAction[]): Block {
  return {
    type: 'actions',
    block_id: blockId,
    elements: actions.map((action) => ({
      type: 'button',
      action_id: ACTION_IDS[action],
      value: jobId,
      text: { type: 'plain_text', text: ACTION_LABELS[action] },
      ...(BUTTON_STYLES[action] ? { style: BUTTON_STYLES[action] } : {}),
    })),
  };
}

/**
 * The buttons that go with a delivered video, in the thread right under it: a file's comment
 * cannot carry buttons, so they are a message of their own.
 */
export function deliveredButtons(job: JobRecord, index: number, of: number): Rendered {
  const labels = DELIVERED_ACTIONS.map((a) => ACTION_LABELS[a]);
  labels.splice(Math.max(0, DELIVERED_ACTIONS.indexOf('params')), 0, remixLabel(index, of));
  const text = `Job \`${job.id}\`${of > 1 ? ` · video ${index} of ${of}` : ''}: ${labels.join(', ')}`;
  return { text, blocks: [{ type: 'context', elements: [mrkdwn(text)] }, withRemix(buttonRow(`delivered:${job.id}:${index}`, job.id, DELIVERED_ACTIONS), job.id, index, of)] };
}

/**
 * A delivered video's message (its buttons, or the link standing for it) with the video's cost in a
 * context block above the buttons; a cost block already there is replaced.
 */
export function withCost(message: { text?: string; blocks?: Block[] }, jobId: string, index: number, costText: string): Rendered {
  const blockId = `cost:${jobId}:${index}`;
  const blocks = (message.blocks ?? []).filter((b) => b['block_id'] !== blockId);
  const row = blocks.findIndex((b) => b['type'] === 'actions');
  blocks.splice(row < 0 ? blocks.length : row, 0, { type: 'context', block_id: blockId, elements: [mrkdwn(escapeText(costText))] });
  const text = (message.text ?? '').split('\n').filter((line) => !line.startsWith('Cost')).concat(escapeText(costText)).join('\n');
  return { text, blocks };
}

/** Remix of video `index` of a job: its value carries the job id and which video. */
export function remixButton(jobId: string, index: number, of: number): Block {
  return { type: 'button', action_id: ACTION_REMIX, value: `${jobId}:${index}`, text: { type: 'plain_text', text: remixLabel(index, of) } };
}

/** A delivery message (a link standing for the video) with Remix of video `index` added to its row of job buttons. */
export function withRemixOf(rendered: Rendered, job: JobRecord, index: number): Rendered {
  if (index < 1) return rendered;
  const rows = rendered.blocks.map((b) => (b['type'] === 'actions' && b['block_id'] === `delivered:${job.id}` ? { ...withRemix(b, job.id, index, job.generations.length), block_id: `delivered:${job.id}:${index}` } : b));
  return { ...rendered, blocks: rows };
}

/** A row of job buttons with Remix of one video put before Parameters. */
export function withRemix(row: Block, jobId: string, index: number, of: number): Block {
  const elements = [...(row['elements'] as Block[])];
  const params = elements.findIndex((e) => e['action_id'] === ACTION_IDS.params);
  elements.splice(params < 0 ? elements.length : params, 0, remixButton(jobId, index, of));
  return { ...row, elements };
}

/** What the Parameters button shows (privately). */
export function parametersText(job: JobRecord): string {
  const refs = referenceLine(job);
  return fitSection(
    [
      `*Job \`${job.id}\`* · ${escapeText(settingsLine(job))} · ${job.state}`,
      `> ${echo(promptSent(job), 1500)}`,
      jobParameters(job).map((p) => `${p.name} \`${escapeText(p.value)}\``).join(' · '),
      refs ? `References: ${refs}` : undefined,
      job.retryOf ? `Retry of \`${job.retryOf}\`` : undefined,
      job.remixOf ? `Remix of video ${job.remixOf.index} of \`${job.remixOf.jobId}\`` : undefined,
      escapeText(settingOrigins(job, 'workspace') ?? '') || undefined,
    ],
    [3, 6, 1],
  );
}

/** The comment posted with the finished video. */
export function deliverySummary(job: JobRecord, index: number, of: number): string {
  const lines = [
    `<@${job.requester.userId}> your video is ready${of > 1 ? ` (${index} of ${of})` : ''} · job \`${job.id}\``,
    `${escapeText(settingsLine(job))}`,
  ];
  const refs = referenceLine(job);
  if (refs) lines.push(`References: ${refs}`);
  lines.push(`> ${echo(promptSent(job))}`);
  return lines.join('\n');
}

/** `ordinal`: which of the job's videos this is (" (2 of 3)", see videoOrdinal), or empty. */
export function linkMessage(job: JobRecord, url: string, reason: string, ordinal = ''): Rendered {
  const text = fitSection(
    [`<@${job.requester.userId}> ${reason} Download it here (the link expires): ${url.replace(/[<>|]/g, encodeURIComponent)}`, `Job \`${job.id}\`${ordinal} · ${escapeText(settingsLine(job))}`],
    [1],
  );
  return { text, blocks: [{ type: 'section', text: mrkdwn(text) }, buttonRow(`delivered:${job.id}`, job.id, DELIVERED_ACTIONS)] };
}

export function jobsList(views: readonly JobView[]): string {
  if (views.length === 0) return `You have no videos yet. Try \`${VIDEO_COMMAND} a red fox running through snow\`.`;
  return ['Your recent videos:', ...views.map((v) => `• \`${v.job.id}\` ${phaseLine(v)}: ${echo(v.job.request.prompt, 80)}`)].join('\n');
}

/** What only Slack adds to the shared help (src/core/help): its command, mentions and shortcut. */
export const SLACK_HELP: HelpPlatform = {
  start: [
    `\`${VIDEO_COMMAND} <prompt> [flags]\` makes a video from text, for example \`${VIDEO_COMMAND} a red fox in the snow --res 720p --duration 5\`.`,
  ],
  files: [
    `Slash commands cannot carry files and cannot be used in threads, so *mention me in a message with the files attached* (in a channel or a thread), e.g. \`@seedance the cat @cat.png walks --r2v\`.`,
    `In a thread, mentioning me uses the files of the thread's first message, then the files of your message. Put \`^\` in your message to use the message just above yours instead, or paste a message's link to use that message.`,
    `Files that show a real person: \`--face @Image1\` in your message, or the *Real faces* field of the Make video form.`,
    `Or use the message shortcut *Make video* (the "…" menu of a message with files): its form has every option, a file input, and reads flags typed into its prompt.`,
  ],
  example: (text, files) => (files ? `\`@seedance ${text}\` (in a message with the files)` : `\`${VIDEO_COMMAND} ${text}\``),
  more: [
    `\`${VIDEO_COMMAND} jobs\` lists your videos; \`${VIDEO_COMMAND} show <id>\` shows one job of this workspace by the id its status message shows (state, parameters, cost, the video and its buttons); \`${VIDEO_COMMAND} cancel <id>\` cancels one.`,
    `The status message has Cancel (while it runs) or Retry, Edit prompt and Parameters; every delivered video has Retry, Edit prompt, Remix and Parameters. Only you (or an admin) can use Cancel, Retry, Edit prompt and Remix.`,
    `*Remix* makes a new video from a finished one: a form with its prompt opens, and the video becomes \`@Video1\` of a reference-to-video job (with the earlier files that still fit beside it), counted against your allowance.`,
    `Workspace admins: \`${VIDEO_COMMAND} settings\` (the workspace) or \`${VIDEO_COMMAND} settings channel\` (this channel) set defaults, limits and allowances; the app's Home tab and \`${VIDEO_COMMAND} usage\` show them and today's use.`,
  ],
};

/** Help: the shared sections (src/core/help) in Slack's mrkdwn. */
export function helpText(): string {
  return helpSections(SLACK_HELP)
    .map((section) => [`*${section.title}*`, ...section.lines].join('\n'))
    .join('\n');
}
