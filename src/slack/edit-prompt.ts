/**
 * Edit prompt: the button opens a form with the job's prompt; submitting it makes a new job with
 * that prompt and the same options and files, as Discord's Edit prompt does (flags typed into the
 * new prompt stay part of the prompt there too). The form carries only the job id, which comes
 * back from outside: it is checked, and the person's right to the job is checked again, before
 * the form closes, so every refusal shows in the form itself.
 */
import type { App } from '@slack/bolt';
import { isJobId, type JobRecord } from '../core/jobs/job.js';
import { describeProblem, describeProblems } from '../core/messages.js';
import { checkPrompt, PROMPT_MAX_LENGTH } from '../core/options/parse-options.js';
import { inWorkspace, mayControl, retryJob } from './job-control.js';
import { afterAck, type Flow } from './flow.js';
import { EDIT_PROMPT_MODAL } from './requirements.js';
import { RESTARTING } from './sentences.js';
import { plainFromSlack } from './text.js';

const PROMPT_BLOCK = 'prompt';
const VALUE = 'value';
/** Slack's limit for a plain-text input's value. */
const INPUT_MAX = 3000;
const plain = (text: string) => ({ type: 'plain_text', text: text.slice(0, 75), emoji: false });

export function editPromptModal(job: JobRecord): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: EDIT_PROMPT_MODAL,
    title: plain(`Edit prompt of ${job.id}`),
    submit: plain('Make video'),
    close: plain('Cancel'),
    private_metadata: job.id,
    blocks: [
      {
        type: 'input',
        block_id: PROMPT_BLOCK,
        label: plain('Prompt'),
        hint: plain('The new prompt; the options and files stay the same.'),
        element: { type: 'plain_text_input', action_id: VALUE, multiline: true, max_length: Math.min(PROMPT_MAX_LENGTH, INPUT_MAX), initial_value: job.request.prompt.slice(0, INPUT_MAX) },
      },
    ],
  };
}

export function registerEditPrompt(app: App, flow: Flow): void {
  app.view(EDIT_PROMPT_MODAL, async ({ ack, view, body }) => {
    const refuse = (text: string) => ack({ response_action: 'errors', errors: { [PROMPT_BLOCK]: text.slice(0, 2000) } });
    const values = view.state.values as Record<string, Record<string, { value?: string | null }>>;
    const prompt = plainFromSlack(values[PROMPT_BLOCK]?.[VALUE]?.value ?? '').trim();
    const problems = checkPrompt(prompt);
    if (problems.length > 0) return refuse(describeProblems(problems));
    if (!flow.accepting()) return refuse(RESTARTING);
    const jobId = view.private_metadata;
    if (!isJobId(jobId)) return refuse('This form is too old. Use the Edit prompt button again.');
    const status = await flow.service().status(jobId);
    const job = status.ok ? status.value.job : undefined;
    const teamId = body.team?.id ?? body.user.team_id;
    if (!job || !inWorkspace(job, teamId)) {
      return refuse(describeProblem({ code: 'job.not_found', params: { id: jobId } }));
    }
    if (!mayControl(flow, job, body.user.id)) return refuse(describeProblem({ code: 'job.not_owner', params: { id: job.id } }));
    await ack();
    const channel = job.destination.channelId;
    const thread = job.destination.threadId;
    const reply = (text: string) => flow.client.chat.postEphemeral({ channel, user: body.user.id, text, ...(thread ? { thread_ts: thread } : {}) });
    await afterAck(flow, 'edit prompt', reply, () => retryJob(flow, job, body.user.id, reply, prompt));
  });
}
