/**
 * `/video <prompt> [flags]`, `/video help`, `/video jobs`, `/video show <id>`, `/video cancel <id>`. The command is
 * acknowledged first (with the answer itself when it is cheap: help, flag problems), then the
 * request is submitted; problems come back privately through the response_url.
 */
import type { App, RespondFn } from '@slack/bolt';
import { describeProblem, describeProblems } from '../core/messages.js';
import { parseOptionsText } from '../core/options/parse-options.js';
import { actorOf, afterAck, type Flow } from './flow.js';
import { helpText, jobsList } from './render.js';
import { VIDEO_COMMAND } from './requirements.js';
import { framesNeedFiles, RESTARTING } from './sentences.js';
import { submitRequest } from './submit.js';
import { showJob } from './recall.js';
import { openSettings, usageText } from './settings.js';
import { escapeText, plainFromSlack } from './text.js';

const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, text });
const privately = (respond: RespondFn) => (text: string) => respond({ ...ephemeral(text), replace_original: false });

export function registerCommand(app: App, flow: Flow): void {
  app.command(VIDEO_COMMAND, async ({ command, ack, respond }) => {
    if (!flow.accepting()) return ack(ephemeral(RESTARTING));
    const text = plainFromSlack(command.text ?? '');
    const words = text.split(' ').filter(Boolean);
    const first = (words[0] ?? '').toLowerCase();
    const reply = privately(respond);

    if (words.length === 0 || (words.length === 1 && first === 'help')) return ack(ephemeral(escapeText(helpText())));

    if (words.length === 1 && first === 'jobs') {
      await ack();
      return afterAck(flow, 'jobs', reply, async () => {
        await reply(jobsList(await flow.service().list(actorOf(command.user_id))));
      });
    }

    if (first === 'settings' && (words.length === 1 || (words.length === 2 && words[1]!.toLowerCase() === 'channel'))) {
      await ack();
      const scope = words.length === 2 ? ('channel' as const) : ('server' as const);
      return afterAck(flow, 'settings', reply, () =>
        openSettings(flow, { userId: command.user_id, teamId: command.team_id, channel: command.channel_id, triggerId: command.trigger_id, scope, reply }),
      );
    }

    if (words.length === 1 && first === 'usage') {
      await ack();
      return afterAck(flow, 'usage', reply, async () => {
        await reply(await usageText(flow, { userId: command.user_id, teamId: command.team_id, channel: command.channel_id }));
      });
    }

    // `show k3m9qz`, or as status messages print it: `show Job k3m9qz`.
    if (first === 'show' && (words.length === 2 || (words.length === 3 && words[1]!.toLowerCase() === 'job'))) {
      await ack();
      return afterAck(flow, 'show', reply, () => showJob(flow, { text: words.slice(1).join(' '), userId: command.user_id, teamId: command.team_id, respond }));
    }

    if (words.length === 2 && first === 'cancel') {
      await ack();
      return afterAck(flow, 'cancel', reply, async () => {
        const id = words[1]!;
        const result = await flow.service().cancel(id, actorOf(command.user_id));
        await reply(result.ok ? `Cancelling \`${escapeText(id)}\`; its status message will say when it has stopped.` : escapeText(result.problems.map(describeProblem).join('\n')));
      });
    }

    const parsed = parseOptionsText(text);
    if (!parsed.ok) return ack(ephemeral(escapeText(describeProblems(parsed.problems))));
    const { options } = parsed.value;
    if (options.frames !== 'off' || options.mode === 'image') return ack(ephemeral(escapeText(framesNeedFiles(flow.botName()))));
    await ack();
    return afterAck(flow, 'video', reply, async () => {
      await submitRequest(flow, {
        request: { prompt: parsed.value.prompt, options: parsed.value.options, given: [...parsed.value.given] },
        files: [],
        userId: command.user_id,
        teamId: command.team_id,
        channel: command.channel_id,
        reply,
      });
    });
  });
}
