/**
 * The message shortcut "Make video": the message's files are references, and a modal asks for the
 * prompt and options, with a file input for more. The submission is checked at once (problems
 * with the typed fields show in the modal); the files are fetched and the job submitted after
 * the ack, with problems sent privately in the channel.
 */
import type { App } from '@slack/bolt';
import { describeProblems } from '../core/messages.js';
import { parseOptionFields, parseOptionsText } from '../core/options/parse-options.js';
import type { OptionName } from '../core/options/vocabulary.js';
import type { GenerationRequest } from '../core/request.js';
import { fail, ok, type Result } from '../core/result.js';
import { completeFiles, filesByIds, usableFile, type SlackFile } from './files.js';
import { afterAck, type Flow } from './flow.js';
import { decodeMetadata, makeVideoModal, PROMPT_BLOCK, readModal } from './modal.js';
import { MAKE_VIDEO_MODAL, MAKE_VIDEO_SHORTCUT } from './requirements.js';
import { describeSlackFailure, RESTARTING } from './sentences.js';
import { slackFailureOf } from './api-errors.js';
import { submitRequest, uniqueFiles } from './submit.js';
import { escapeText, plainFromSlack } from './text.js';

interface ShortcutMessage {
  ts: string;
  thread_ts?: string;
  text?: string;
  files?: SlackFile[];
}

export function registerShortcut(app: App, flow: Flow): void {
  app.shortcut(MAKE_VIDEO_SHORTCUT, async ({ shortcut, ack, respond }) => {
    await ack();
    const body = shortcut as unknown as { trigger_id: string; channel?: { id: string }; message?: ShortcutMessage; user: { id: string } };
    const reply = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    if (!flow.accepting()) return void (await reply(RESTARTING));
    const message = body.message;
    const channel = body.channel?.id;
    if (!message || !channel) return void (await reply('The shortcut works on messages in channels.'));
    const files = (message.files ?? []).filter(usableFile);
    const thread = message.thread_ts && message.thread_ts !== message.ts ? message.thread_ts : undefined;
    try {
      // The trigger id expires 3 s after the click: the modal opens before anything else.
      await flow.client.views.open({
        trigger_id: body.trigger_id,
        view: makeVideoModal({
          prompt: plainFromSlack(message.text ?? '', flow.botUserId()),
          files,
          metadata: { channel, ...(thread ? { thread } : {}), files: files.map((f) => f.id) },
        }) as never,
      });
    } catch (error) {
      await reply(escapeText(describeSlackFailure(slackFailureOf(error), 'open the form', flow.botName())));
    }
  });

  app.view(MAKE_VIDEO_MODAL, async ({ ack, view, body }) => {
    const metadata = decodeMetadata(view.private_metadata);
    const { prompt, fields, files: uploaded } = readModal(view.state.values as never);
    const parsed = readRequest(plainFromSlack(prompt), fields);
    if (!parsed.ok) return ack({ response_action: 'errors', errors: { [PROMPT_BLOCK]: describeProblems(parsed.problems).slice(0, 2000) } });
    if (!flow.accepting()) return ack({ response_action: 'errors', errors: { [PROMPT_BLOCK]: RESTARTING } });
    if (!metadata) return ack({ response_action: 'errors', errors: { [PROMPT_BLOCK]: 'This form is too old. Use the shortcut again.' } });
    await ack();
    const user = body.user.id;
    const reply = (text: string) =>
      flow.client.chat.postEphemeral({ channel: metadata.channel, user, text, ...(metadata.thread ? { thread_ts: metadata.thread } : {}) });
    await afterAck(flow, 'modal', reply, async () => {
      const fromMessage = await filesByIds(flow.client, metadata.files);
      const files = await completeFiles(flow.client, uniqueFiles([...fromMessage, ...uploaded]));
      await submitRequest(flow, {
        request: parsed.value,
        files,
        userId: user,
        teamId: body.team?.id ?? body.user.team_id ?? '',
        channel: metadata.channel,
        ...(metadata.thread ? { thread: metadata.thread } : {}),
        reply,
      });
    });
  });
}

/**
 * The form's fields, then flags typed into its prompt, read as everywhere else: a typed flag wins
 * over a field chosen in the form (the prompt is what the person wrote last, and says more).
 */
export function readRequest(prompt: string, fields: Partial<Record<OptionName, string>>): Result<GenerationRequest> {
  const fromFields = parseOptionFields(fields);
  const typed = parseOptionsText(prompt, fromFields.ok ? fromFields.value.options : undefined);
  const problems = [...(fromFields.ok ? [] : fromFields.problems), ...(typed.ok ? [] : typed.problems)];
  if (!fromFields.ok || !typed.ok) return fail(...problems);
  return ok({ prompt: typed.value.prompt, options: typed.value.options, given: [...new Set([...fromFields.value.given, ...typed.value.given])] });
}
