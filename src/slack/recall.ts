/**
 * `/video show <id>` (one job of this workspace, like Midjourney's `/show`) and Remix (a finished
 * video as @Video1 of a new job): rendering, the button, the form and its submission. Ids from
 * the command, the button value and the form's metadata come from outside: checked before use.
 */
import type { App, BlockButtonAction, RespondFn } from '@slack/bolt';
import { isTerminal, type JobRecord } from '../core/jobs/job.js';
import { ENDED_ACTIONS, RUNNING_ACTIONS } from '../core/job-actions.js';
import { describeProblem, describeProblems } from '../core/messages.js';
import { parseOptionsText, PROMPT_MAX_LENGTH } from '../core/options/parse-options.js';
import { jobParameters } from '../core/parameters.js';
import { costText, type Recalled } from '../core/recall/recall.js';
import type { LeftOut } from '../core/recall/remix.js';
import { slackFailureOf } from './api-errors.js';
import { attachmentOf, decodeOrigin, filesByIds } from './files.js';
import { actorOf, afterAck, type Flow } from './flow.js';
import { inWorkspace, mayControl, ownedJob, sentence, type Reply } from './job-control.js';
import { buttonRow, fitSection, phaseLine, referenceLine, remixButton, settingsLine, type Block, type Rendered } from './render.js';
import { ACTION_REMIX, REMIX_MODAL } from './requirements.js';
import { describeSlackFailure, describeSlackProblems, RESTARTING } from './sentences.js';
import { echo, escapeText, plainFromSlack } from './text.js';

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });
const plain = (text: string) => ({ type: 'plain_text', text: text.slice(0, 75), emoji: false });
const INPUT_MAX = 3000;
const PROMPT_BLOCK = 'prompt';
const OPTIONS_BLOCK = 'options';
const VALUE = 'value';
/** `<job id>:<video number>`, as the Remix button's value and the form's metadata carry it. */
const TARGET = /^([a-hj-km-np-z2-9]{6}):([1-4])$/;

export function parseTarget(text: string | undefined): { jobId: string; index: number } | undefined {
  const match = TARGET.exec(text ?? '');
  return match ? { jobId: match[1]!, index: Number(match[2]) } : undefined;
}

export function recalledMessage(recalled: Recalled): Rendered {
  const { view, mayControl: owner, videos } = recalled;
  const { job } = view;
  const refs = referenceLine(job);
  const of = job.generations.length;
  const where = `the thread of its status message in <#${job.destination.channelId}>`;
  const lines = [
    `*Job \`${job.id}\`* · ${escapeText(settingsLine(job))} · by <@${job.requester.userId}>`,
    `> ${echo(job.request.prompt, 1200)}`,
    phaseLine(view),
    jobParameters(job).map((p) => `${p.name} \`${escapeText(p.value)}\``).join(' · '),
    refs ? `References: ${refs}` : undefined,
    escapeText(costText(job)),
    job.remixOf ? `Remix of video ${job.remixOf.index} of \`${job.remixOf.jobId}\`` : undefined,
    ...videos.map((v) => {
      const name = of > 1 ? `Video ${v.index} of ${of}` : 'Video';
      return v.link ? `${name}: ${v.link.url.replace(/[<>|]/g, encodeURIComponent)} (kept ${v.link.keepsDays ?? 1} days)` : `${name}: posted in ${where}; open it there (this bot has no public address for lasting links).`;
    }),
  ];
  const terminal = isTerminal(job.state);
  const row = buttonRow(`recall:${job.id}`, job.id, owner ? (terminal ? ENDED_ACTIONS : RUNNING_ACTIONS) : ['params']);
  const blocks: Block[] = [{ type: 'section', text: mrkdwn(fitSection(lines, [1, 4])) }, row];
  if (owner && videos.length > 0) blocks.push({ type: 'actions', block_id: `recall-remix:${job.id}`, elements: videos.map((v) => remixButton(job.id, v.index, of)) });
  return { text: `Job ${job.id}: ${phaseLine(view)}`.slice(0, 3000), blocks };
}

/** `/video show <id>`: privately, to the person who asked. */
export async function showJob(flow: Flow, input: { text: string; userId: string; teamId: string; respond: RespondFn }): Promise<void> {
  const recalled = await flow.service().recall(input.text, { platform: 'slack', userId: input.userId, scopeId: input.teamId });
  if (!recalled.ok) return void (await input.respond({ response_type: 'ephemeral', replace_original: false, text: sentence(...recalled.problems) }));
  await input.respond({ response_type: 'ephemeral', replace_original: false, ...recalledMessage(recalled.value) });
}

export function remixModal(job: JobRecord, index: number, prompt: string, kept: readonly string[]): Record<string, unknown> {
  const hint = `@Video1 is ${job.generations.length > 1 ? `video ${index} of this job` : 'this video'}${kept.length > 0 ? `; also ${kept.join(', ')}` : ''}. The options stay as they were unless you add flags.`;
  return {
    type: 'modal',
    callback_id: REMIX_MODAL,
    title: plain(`Remix ${job.id}`),
    submit: plain('Make video'),
    close: plain('Cancel'),
    private_metadata: `${job.id}:${index}`,
    blocks: [
      {
        type: 'input',
        block_id: PROMPT_BLOCK,
        label: plain('Prompt'),
        hint: { type: 'plain_text', text: hint.slice(0, 2000), emoji: false },
        element: { type: 'plain_text_input', action_id: VALUE, multiline: true, max_length: Math.min(PROMPT_MAX_LENGTH, INPUT_MAX), initial_value: prompt.slice(0, INPUT_MAX) },
      },
      {
        type: 'input',
        block_id: OPTIONS_BLOCK,
        optional: true,
        label: plain('Options (optional)'),
        element: { type: 'plain_text_input', action_id: VALUE, max_length: 500, placeholder: plain('Flags, e.g. --duration 8 --ar 9:16') },
      },
    ],
  };
}

export function leftOutText(leftOut: readonly LeftOut[]): string | undefined {
  const names = (reason: LeftOut['reason']) => leftOut.filter((l) => l.reason === reason).map((l) => `\`${echo(l.name, 80)}\``);
  const parts = [names('limits').length > 0 ? `Left out (they would not fit beside the video): ${names('limits').join(', ')}.` : '', names('gone').length > 0 ? `Left out (I could not fetch them again): ${names('gone').join(', ')}.` : ''];
  return parts.filter(Boolean).join(' ') || undefined;
}

export function registerRemix(app: App, flow: Flow): void {
  app.action<BlockButtonAction>(ACTION_REMIX, async ({ ack, action, body, respond }) => {
    await ack();
    const reply: Reply = (text) => respond({ response_type: 'ephemeral', replace_original: false, text });
    if (!flow.accepting()) return void (await reply(RESTARTING));
    await afterAck(flow, 'remix button', reply, async () => {
      const target = parseTarget(action.value);
      if (!target) return void (await reply(sentence({ code: 'job.not_found', params: { id: (action.value ?? '').slice(0, 20) } })));
      const job = await ownedJob(flow, target.jobId, body, reply);
      if (!job) return;
      const draft = await flow.service().remixDraft(job.id, target.index, actorOf(body.user.id));
      if (!draft.ok) return void (await reply(sentence(...draft.problems)));
      const kept = draft.value.selection.kept.map((i) => job.references[i]!.name);
      try {
        // The trigger id expires 3 s after the click: only store reads came before.
        await flow.client.views.open({ trigger_id: body.trigger_id, view: remixModal(job, target.index, draft.value.selection.prompt, kept) as never });
      } catch (error) {
        await reply(escapeText(describeSlackFailure(slackFailureOf(error), 'open the form', flow.botName())));
      }
    });
  });

  app.view(REMIX_MODAL, async ({ ack, view, body }) => {
    const refuse = (text: string) => ack({ response_action: 'errors', errors: { [PROMPT_BLOCK]: text.slice(0, 2000) } });
    if (!flow.accepting()) return refuse(RESTARTING);
    const target = parseTarget(view.private_metadata);
    if (!target) return refuse('This form is too old. Use the Remix button again.');
    const user = body.user.id;
    const service = flow.service();
    const status = await service.status(target.jobId);
    const source = status.ok ? status.value.job : undefined;
    if (!source || !inWorkspace(source, body.team?.id ?? body.user.team_id)) return refuse(describeProblem({ code: 'job.not_found', params: { id: target.jobId } }));
    if (!mayControl(flow, source, user)) return refuse(describeProblem({ code: 'job.not_owner', params: { id: source.id } }));
    const draft = await service.remixDraft(source.id, target.index, actorOf(user));
    if (!draft.ok) return refuse(draft.problems.map(describeProblem).join('\n'));
    const values = view.state.values as Record<string, Record<string, { value?: string | null }>>;
    const typed = `${plainFromSlack(values[PROMPT_BLOCK]?.[VALUE]?.value ?? '')} ${plainFromSlack(values[OPTIONS_BLOCK]?.[VALUE]?.value ?? '')}`;
    const parsed = parseOptionsText(typed, draft.value.options);
    if (!parsed.ok) return refuse(describeProblems(parsed.problems));
    await ack();
    const channel = source.destination.channelId;
    const thread = source.destination.threadId;
    const reply = (text: string) => flow.client.chat.postEphemeral({ channel, user, text, ...(thread ? { thread_ts: thread } : {}) });
    await afterAck(flow, 'remix', reply, async () => {
      // The earlier files, by id again, only when some go along (the video itself is fetched by the core).
      const wanted = draft.value.selection.kept.length > 0 ? (decodeOrigin(source.origin).files ?? []) : [];
      const files = wanted.length > 0 ? await filesByIds(flow.client, wanted) : [];
      const result = await service.remix(source.id, target.index, actorOf(user), {
        requester: { platform: 'slack', userId: user, scopeId: source.requester.scopeId },
        request: { prompt: parsed.value.prompt, options: parsed.value.options, given: [...new Set([...(source.request.given ?? []), ...parsed.value.given, 'mode' as const])] },
        earlier: files.length === wanted.length ? files.map((f) => attachmentOf(f, flow.access)) : [],
      });
      if (!result.ok) return void (await reply(escapeText(describeSlackProblems(result.problems, flow.port.takePostFailure(channel), flow.botName()))));
      const left = leftOutText(result.value.leftOut);
      if (left) await reply(left);
    });
  });
}
