/**
 * Cancel and Retry on a status message. The action id says what, the value carries the job id,
 * so the buttons work after a restart and on any instance. Only the person who started the job
 * (or an admin) may use them; anyone else gets a private sentence.
 */
import type { App, BlockButtonAction } from '@slack/bolt';
import { describeProblem } from '../core/messages.js';
import { attachmentOf, decodeOrigin, filesByIds } from './files.js';
import { actorOf, afterAck, type Flow } from './flow.js';
import { ACTION_CANCEL, ACTION_RETRY } from './requirements.js';
import { describeSlackProblems, RESTARTING } from './sentences.js';
import { escapeText } from './text.js';

export function registerActions(app: App, flow: Flow): void {
  app.action<BlockButtonAction>(ACTION_CANCEL, async ({ ack, action, body, respond }) => {
    await ack();
    const reply = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    if (!flow.accepting()) return void (await reply(RESTARTING));
    await afterAck(flow, 'cancel button', reply, async () => {
      const result = await flow.service().cancel(action.value ?? '', actorOf(body.user.id));
      if (!result.ok) await reply(escapeText(result.problems.map(describeProblem).join('\n')));
    });
  });

  app.action<BlockButtonAction>(ACTION_RETRY, async ({ ack, action, body, respond }) => {
    await ack();
    const reply = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    if (!flow.accepting()) return void (await reply(RESTARTING));
    await afterAck(flow, 'retry button', reply, async () => {
      const service = flow.service();
      const id = action.value ?? '';
      const actor = actorOf(body.user.id);
      const status = await service.status(id);
      if (!status.ok) return void (await reply(escapeText(status.problems.map(describeProblem).join('\n'))));
      const job = status.value.job;
      // Checked here too, so nobody's files are fetched for someone who may not retry.
      if (!(job.requester.platform === 'slack' && job.requester.userId === actor.userId) && !service.isAdmin(actor)) {
        return void (await reply(escapeText(describeProblem({ code: 'job.not_owner', params: { id: job.id } }))));
      }
      const wanted = decodeOrigin(job.origin).files ?? [];
      const files = await filesByIds(flow.client, wanted);
      if (files.length < wanted.length) return void (await reply(escapeText(describeProblem({ code: 'job.retry_needs_files', params: { id: job.id } }))));
      const result = await service.retry(job.id, actor, files.length > 0 ? { attachments: files.map((f) => attachmentOf(f, flow.access)) } : {});
      if (!result.ok) await reply(escapeText(describeSlackProblems(result.problems, flow.port.takePostFailure(job.destination.channelId), flow.botName())));
    });
  });
}
