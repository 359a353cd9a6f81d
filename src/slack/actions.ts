/**
 * The job buttons (status message and delivered video): Cancel, Retry, Edit prompt, Parameters.
 * The action id says what, the value carries the job id, so the buttons work after a restart and
 * on any instance. The value comes from outside: it must be a job id of this workspace. Cancel,
 * Retry and Edit prompt are for the person who started the job (or an admin); anyone else gets a
 * private sentence. Parameters is open to all.
 */
import type { App, BlockButtonAction } from '@slack/bolt';
import { isJobId } from '../core/jobs/job.js';
import { slackFailureOf } from './api-errors.js';
import { editPromptModal } from './edit-prompt.js';
import { actorOf, afterAck, type Flow } from './flow.js';
import { ownedJob, retryJob, sentence, workspaceJob, type Reply } from './job-control.js';
import { parametersText } from './render.js';
import { ACTION_CANCEL, ACTION_EDIT, ACTION_PARAMS, ACTION_RETRY } from './requirements.js';
import { describeSlackFailure, RESTARTING } from './sentences.js';
import { escapeText } from './text.js';

export function registerActions(app: App, flow: Flow): void {
  const button = (actionId: string, what: string, handle: (input: { value: string; body: BlockButtonAction; reply: Reply }) => Promise<void>) =>
    app.action<BlockButtonAction>(actionId, async ({ ack, action, body, respond }) => {
      await ack();
      const reply: Reply = (text) => respond({ response_type: 'ephemeral', replace_original: false, text });
      if (!flow.accepting()) return void (await reply(RESTARTING));
      await afterAck(flow, what, reply, () => handle({ value: action.value ?? '', body, reply }));
    });

  button(ACTION_CANCEL, 'cancel button', async ({ value, body, reply }) => {
    if (!isJobId(value)) return void (await reply(sentence({ code: 'job.not_found', params: { id: value.slice(0, 20) } })));
    const result = await flow.service().cancel(value, actorOf(body.user.id));
    if (!result.ok) await reply(sentence(...result.problems));
  });

  button(ACTION_RETRY, 'retry button', async ({ value, body, reply }) => {
    const job = await ownedJob(flow, value, body, reply);
    if (job) await retryJob(flow, job, body.user.id, reply);
  });

  button(ACTION_EDIT, 'edit button', async ({ value, body, reply }) => {
    const job = await ownedJob(flow, value, body, reply);
    if (!job) return;
    try {
      // The trigger id expires 3 s after the click: only one store read came before.
      await flow.client.views.open({ trigger_id: body.trigger_id, view: editPromptModal(job) as never });
    } catch (error) {
      await reply(escapeText(describeSlackFailure(slackFailureOf(error), 'open the form', flow.botName())));
    }
  });

  button(ACTION_PARAMS, 'parameters button', async ({ value, body, reply }) => {
    const job = await workspaceJob(flow, value, body.team?.id ?? body.user.team_id, reply);
    if (job) await reply(parametersText(job));
  });
}
