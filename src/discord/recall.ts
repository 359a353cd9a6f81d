/**
 * `/jobs id:…` (one job, like Midjourney's `/show`) and Remix (a finished video as @Video1 of a new
 * job): the rendering and the handlers, called by the interaction router.
 */
import type { APIActionRowComponent, APIButtonComponent, ButtonInteraction, ChatInputCommandInteraction, ModalSubmitInteraction } from 'discord.js';
import type { JobRecord } from '../core/jobs/job.js';
import { code } from '../core/messages.js';
import { parseOptionsText, PROMPT_MAX_LENGTH } from '../core/options/parse-options.js';
import { costText, type Recalled } from '../core/recall/recall.js';
import type { LeftOut } from '../core/recall/remix.js';
import { fitContent, actionsFor, buttonRow, modelName, NO_MENTIONS, phaseLine, quote, referenceLine, remixButton, startedText } from './render.js';
import { jobParameters } from '../core/parameters.js';
import { remixModalId } from './custom-ids.js';
import { problemsText, sentences } from './submit.js';
import { refetchFiles, toIncoming } from './attachments.js';
import type { InteractionDeps } from './interactions.js';

/** Where each finished video is: the bot's lasting link, or the job's thread (which keeps it as long as the thread stays). */
function videoLines(recalled: Recalled): string[] {
  const { job } = recalled.view;
  const where = job.destination.threadId ? `<#${job.destination.threadId}>` : 'the thread of its status message';
  const of = job.generations.length;
  return recalled.videos.map((v) => {
    const name = of > 1 ? `Video ${v.index} of ${of}` : 'Video';
    return v.link ? `${name}: ${v.link.url} (kept ${v.link.keepsDays ?? 1} days)` : `${name}: posted in ${where}; open it there (this bot has no public address for lasting links).`;
  });
}

export function recalledMessage(recalled: Recalled): { content: string; components: APIActionRowComponent<APIButtonComponent>[] } {
  const { view, mayControl, videos } = recalled;
  const { job } = view;
  const lines = [
    `**Job ${code(job.id)}** · ${modelName(job)} · by <@${job.requester.userId}>`,
    quote(job.request.prompt, 1200),
    phaseLine(view),
    jobParameters(job).map((p) => `${p.name} ${code(p.value)}`).join(' · '),
    referenceLine(job.references),
    costText(job),
    job.remixOf ? `Remix of video ${job.remixOf.index} of ${code(job.remixOf.jobId)}` : undefined,
    ...videoLines(recalled),
  ];
  const components = [buttonRow(job.id, mayControl ? actionsFor(view.phase) : ['params'])];
  // Remix for each finished video (Discord allows five buttons a row, five rows).
  if (mayControl && videos.length > 0) components.push({ ...buttonRow(job.id, []), components: videos.map((v) => remixButton(job.id, v.index, job.generations.length)) });
  return { content: fitContent(lines, [1, 4]), components };
}

export async function recallAnswer(deps: InteractionDeps, interaction: ChatInputCommandInteraction, text: string): Promise<void> {
  const viewer = { platform: 'discord' as const, userId: interaction.user.id, scopeId: interaction.guildId ?? `dm:${interaction.user.id}` };
  const recalled = await deps.service().recall(text, viewer);
  if (!recalled.ok) {
    await interaction.editReply({ content: sentences(recalled.problems), allowedMentions: NO_MENTIONS });
    return;
  }
  await interaction.editReply({ ...recalledMessage(recalled.value), allowedMentions: NO_MENTIONS });
}

/** The Remix button: the form, with the prompt relabelled for the new job (only a store read before it). */
export async function remixButtonClicked(deps: InteractionDeps, interaction: ButtonInteraction, jobId: string, index: number): Promise<void> {
  const draft = await deps.service().remixDraft(jobId, index, { platform: 'discord', userId: interaction.user.id });
  if (!draft.ok) {
    await interaction.reply({ content: sentences(draft.problems), flags: 64, allowedMentions: NO_MENTIONS });
    return;
  }
  const kept = draft.value.selection.kept.map((i) => draft.value.job.references[i]!.name);
  const hint = `@Video1 is this video${kept.length > 0 ? `; also ${kept.join(', ')}` : ''}.`;
  await interaction.showModal({
    custom_id: remixModalId(jobId, index),
    title: `Remix ${jobId}${draft.value.job.generations.length > 1 ? ` (video ${index})` : ''}`,
    components: [
      label('Prompt', hint.slice(0, 100), textInput('prompt', 2, draft.value.selection.prompt.slice(0, PROMPT_MAX_LENGTH), true)),
      label('Options (optional)', 'Flags, e.g. --duration 8 --ar 9:16 (the rest as in the original)', textInput('options', 1, '', false)),
    ],
  } as never);
}

/** The Remix form sent: the earlier files fetched again (Discord's URLs expire), then the new job. */
export async function remixSubmitted(deps: InteractionDeps, interaction: ModalSubmitInteraction, jobId: string, index: number, membership: { groups: string[] }): Promise<void> {
  await interaction.deferReply({ flags: 64 });
  const service = deps.service();
  const actor = { platform: 'discord' as const, userId: interaction.user.id };
  const draft = await service.remixDraft(jobId, index, actor);
  if (!draft.ok) return answer(interaction, sentences(draft.problems));
  const parsed = parseOptionsText(`${interaction.fields.getTextInputValue('prompt')} ${optionalField(interaction, 'options')}`, draft.value.options);
  if (!parsed.ok) return answer(interaction, problemsText(parsed.problems));
  const source = draft.value.job;
  // Fewer files than the job had: none go along (the core says which were left out and why).
  const files =
    draft.value.selection.kept.length > 0
      ? await refetchFiles(deps.rest, source, deps.botId()).catch((error: unknown) => (deps.log.warn('discord.refetch_failed', { job: source.id, error }), []))
      : [];
  const result = await service.remix(jobId, index, actor, {
    requester: { platform: 'discord', userId: interaction.user.id, displayName: interaction.user.globalName ?? interaction.user.username, scopeId: interaction.guildId ?? `dm:${interaction.user.id}` },
    request: { prompt: parsed.value.prompt, options: parsed.value.options, given: [...new Set([...(source.request.given ?? []), ...parsed.value.given, 'mode' as const])] },
    earlier: files.map((f) => toIncoming(f)),
    membership,
  });
  if (!result.ok) return answer(interaction, result.problems.every((p) => p.code.startsWith('job.')) ? sentences(result.problems) : problemsText(result.problems));
  await answer(interaction, [startedText(result.value.job, result.value.mapping), leftOutLine(result.value.leftOut)].filter(Boolean).join('\n'));
}

export function leftOutLine(leftOut: readonly LeftOut[]): string | undefined {
  if (leftOut.length === 0) return undefined;
  const limits = leftOut.filter((l) => l.reason === 'limits').map((l) => code(l.name));
  const gone = leftOut.filter((l) => l.reason === 'gone').map((l) => code(l.name));
  return [limits.length > 0 ? `Left out (they would not fit beside the video): ${limits.join(', ')}.` : '', gone.length > 0 ? `Left out (I could not fetch them again): ${gone.join(', ')}.` : '']
    .filter(Boolean)
    .join(' ');
}

async function answer(interaction: ModalSubmitInteraction, content: string): Promise<void> {
  await interaction.editReply({ content: content.slice(0, 2000), allowedMentions: NO_MENTIONS });
}

function optionalField(interaction: ModalSubmitInteraction, id: string): string {
  try {
    return interaction.fields.getTextInputValue(id) ?? '';
  } catch {
    return '';
  }
}

function textInput(customId: string, style: 1 | 2, value: string, required: boolean) {
  return { type: 4, custom_id: customId, style, required, ...(value ? { value } : {}), max_length: PROMPT_MAX_LENGTH };
}

function label(text: string, description: string, component: unknown) {
  return { type: 18, label: text, description, component };
}
