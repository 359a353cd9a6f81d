// A long file (~300 lines): one router for every Discord interaction kind, so claims, permission checks
// and failure answers apply to all; settings and Make video already have files of their own.
/**
 * Slash commands, the "Make video" context menu, buttons and modals. Every interaction is
 * acknowledged first (a deferred ephemeral reply, or the modal that is its own answer), before
 * any download, store read or validation; the work follows.
 */
import {
  MessageFlags,
  type Attachment,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type MessageContextMenuCommandInteraction,
  type ModalSubmitInteraction,
  type REST,
} from 'discord.js';
import type { JobRecord } from '../core/jobs/job.js';
import type { Logger } from '../core/log.js';
import { describeProblem } from '../core/messages.js';
import { parseOptionsText, parseRequestFields, PROMPT_MAX_LENGTH } from '../core/options/parse-options.js';
import type { OptionName } from '../core/options/vocabulary.js';
import type { Actor, VideoService } from '../core/service.js';
import { decodeOrigin, fromDiscordJs, refetchFiles, type DiscordFile } from './attachments.js';
import { attachmentOptionNames, FACES_FIELD_MAX, JOBS_COMMAND, MAKE_VIDEO_COMMAND, VIDEO_COMMAND, VIDEO_OPTION_FIELDS } from './commands.js';
import { editModalId, makeModalId, parseCustomId, type JobAction } from './custom-ids.js';
import { isPermissionError } from './errors.js';
import { filesForForm, FormFiles, OTHER_CHANNEL_TEXT } from './make-video.js';
import { jobsList, NO_MENTIONS, parametersText, startedText } from './render.js';
import { problemsText, sentences, startVideo, type StartInput } from './submit.js';
import { VIDEO_SETTINGS_COMMAND } from './settings-command.js';
import { handleVideoSettings } from './settings.js';
import { HELP_COMMAND, helpEmbed } from './help.js';
import { handleUsage, USAGE_COMMAND } from './usage.js';
import { isStoreUnreachable, STORE_UNREACHABLE_TEXT } from '../core/jobs/store-unreachable.js';
import { recallAnswer, remixButtonClicked, remixSubmitted } from './recall.js';

export const RESTARTING_TEXT = 'The bot is restarting. Try again in a minute.';
const EPHEMERAL = MessageFlags.Ephemeral;
export const FAILED_TEXT = 'Something went wrong on my side while handling that. Check `/jobs` before trying again; if it keeps happening, tell the operator of this bot.';

export interface InteractionDeps {
  service: () => VideoService;
  rest: REST;
  log: Logger;
  botId: () => string | undefined;
  accepting: () => boolean;
}

export class InteractionRouter {
  /** The context menu's files wait here for the form (a refetch comes back empty without MESSAGE_CONTENT). */
  private readonly formFiles = new FormFiles();

  constructor(private readonly deps: InteractionDeps) {}

  /** Routes an interaction; when that throws, answers all the same: a deferred reply is never left "thinking". */
  async handle(interaction: Interaction): Promise<void> {
    try {
      await this.route(interaction);
    } catch (error) {
      this.deps.log.error('discord.interaction_failed', { interactionId: interaction.id, error });
      await this.answerFailure(interaction, isStoreUnreachable(error) ? STORE_UNREACHABLE_TEXT : FAILED_TEXT);
    }
  }

  /** The generic sentence, however far the interaction got (deferred, or not answered at all). */
  private async answerFailure(interaction: Interaction, text = FAILED_TEXT): Promise<void> {
    if (!interaction.isRepliable() || interaction.replied) return;
    try {
      if (interaction.deferred) await interaction.editReply({ content: text, allowedMentions: NO_MENTIONS });
      else await interaction.reply({ content: text, flags: EPHEMERAL, allowedMentions: NO_MENTIONS });
    } catch (error) {
      this.deps.log.warn('discord.reply_failed', { interactionId: interaction.id, permission: isPermissionError(error), error });
    }
  }

  private async route(interaction: Interaction): Promise<void> {
    if (!interaction.isRepliable() && !interaction.isAutocomplete()) return;
    if (interaction.isAutocomplete()) return;
    if (!this.deps.accepting()) {
      await interaction.reply({ content: RESTARTING_TEXT, flags: EPHEMERAL });
      return;
    }
    if (interaction.isChatInputCommand()) {
      if (interaction.commandName === VIDEO_COMMAND) return this.video(interaction);
      if (interaction.commandName === JOBS_COMMAND) return this.jobs(interaction);
      if (interaction.commandName === VIDEO_SETTINGS_COMMAND) return handleVideoSettings(interaction, this.deps);
      if (interaction.commandName === HELP_COMMAND) return void (await interaction.reply({ embeds: [helpEmbed()], flags: EPHEMERAL, allowedMentions: NO_MENTIONS }));
      if (interaction.commandName === USAGE_COMMAND) return handleUsage(interaction, this.deps);
    } else if (interaction.isMessageContextMenuCommand()) {
      if (interaction.commandName === MAKE_VIDEO_COMMAND) return this.makeVideo(interaction);
    } else if (interaction.isButton()) {
      const parsed = parseCustomId(interaction.customId);
      if (parsed?.kind === 'job') return this.button(interaction, parsed.action, parsed.jobId);
      if (parsed?.kind === 'remix') return remixButtonClicked(this.deps, interaction, parsed.jobId, parsed.index);
    } else if (interaction.isModalSubmit()) {
      const parsed = parseCustomId(interaction.customId);
      if (parsed?.kind === 'make-modal') return this.makeVideoSubmit(interaction, parsed);
      if (parsed?.kind === 'edit-modal') return this.editSubmit(interaction, parsed.jobId);
      if (parsed?.kind === 'remix-modal') return remixSubmitted(this.deps, interaction, parsed.jobId, parsed.index, membershipOf(interaction));
    }
    await interaction.reply({ content: 'This button or command is not known to this bot (any more).', flags: EPHEMERAL });
  }

  private actor(interaction: Interaction): Actor & { platform: 'discord' } {
    return { platform: 'discord', userId: interaction.user.id };
  }

  private requester(interaction: Interaction) {
    return {
      platform: 'discord' as const,
      userId: interaction.user.id,
      displayName: interaction.user.globalName ?? interaction.user.username,
      scopeId: interaction.guildId ?? `dm:${interaction.user.id}`,
    };
  }

  private async video(interaction: ChatInputCommandInteraction): Promise<void> {
    await interaction.deferReply({ flags: EPHEMERAL });
    const prompt = interaction.options.getString('prompt', true);
    const fields: Partial<Record<OptionName, string | number | boolean | null>> = {};
    for (const [option, field] of Object.entries(VIDEO_OPTION_FIELDS)) {
      const raw = interaction.options.get(option)?.value;
      if (raw !== undefined) fields[field] = raw as string | number | boolean;
    }
    const parsed = parseRequestFields(prompt, fields);
    const files = attachmentOptionNames()
      .map(({ name }) => interaction.options.getAttachment(name))
      .filter((a): a is Attachment => a !== null)
      .map(fromDiscordJs);
    if (!parsed.ok) {
      await this.answer(interaction, problemsText(parsed.problems));
      return;
    }
    await this.start(interaction, {
      request: parsed.value,
      files,
      requester: this.requester(interaction),
      channelId: interaction.channelId,
      membership: membershipOf(interaction),
      ...(files.length > 0 ? { origin: { kind: 'thread' as const } } : {}),
    });
  }

  private async jobs(interaction: ChatInputCommandInteraction): Promise<void> {
    await interaction.deferReply({ flags: EPHEMERAL });
    const id = interaction.options.getString('id');
    if (id !== null) return recallAnswer(this.deps, interaction, id);
    const views = await this.deps.service().list(this.actor(interaction), 10);
    const list = jobsList(views);
    await interaction.editReply({ ...list, allowedMentions: NO_MENTIONS });
  }

  private async makeVideo(interaction: MessageContextMenuCommandInteraction): Promise<void> {
    const target = interaction.targetMessage;
    const files = [...target.attachments.values()].map(fromDiscordJs);
    const id = makeModalId(target.channelId, target.id, files.length);
    this.formFiles.put({ userId: interaction.user.id, channelId: target.channelId, messageId: target.id }, files);
    // The modal is this interaction's answer (a modal cannot follow a defer).
    await interaction.showModal({
      custom_id: id,
      title: 'Make video',
      components: [
        label('Prompt', 'Name the files as @Image1, @Video1 or by file name.', textInput('prompt', 2, target.content.slice(0, PROMPT_MAX_LENGTH), true)),
        label('Options (optional)', 'Flags, e.g. --pro --res 1080p --duration 8 --ar 9:16, or --v2.5 for Seedance 2.5', textInput('options', 1, '', false)),
        label('Real faces (optional)', 'Files that show a real person, e.g. @Image1 or @selfie.jpg', textInput('faces', 1, '', false, FACES_FIELD_MAX)),
      ],
    } as never);
  }

  private async makeVideoSubmit(interaction: ModalSubmitInteraction, form: { channelId: string; messageId: string; fileCount?: number }): Promise<void> {
    await interaction.deferReply({ flags: EPHEMERAL });
    const { channelId, messageId } = form;
    // The form's id comes back from the client: it may only name a message of this channel.
    if (channelId !== interaction.channelId) {
      this.deps.log.warn('discord.form_channel_mismatch', { interactionId: interaction.id, channelId: interaction.channelId, formChannelId: channelId });
      await this.answer(interaction, OTHER_CHANNEL_TEXT);
      return;
    }
    const key = { userId: interaction.user.id, channelId, messageId };
    const kept = this.formFiles.take(key);
    const faces = safeField(interaction, 'faces').trim();
    const text = `${interaction.fields.getTextInputValue('prompt')} ${safeField(interaction, 'options')}${faces ? ` --face=${faces.replace(/[\s,]+/g, ',')}` : ''}`;
    const parsed = parseOptionsText(text);
    if (!parsed.ok) {
      await this.answer(interaction, problemsText(parsed.problems));
      return;
    }
    const found = await filesForForm(this.deps, kept, key, form.fileCount);
    if (!found.ok) {
      await this.answer(interaction, found.text);
      return;
    }
    await this.start(interaction, {
      request: { prompt: parsed.value.prompt, options: parsed.value.options, given: [...parsed.value.given] },
      files: found.files,
      membership: membershipOf(interaction),
      requester: this.requester(interaction),
      channelId,
      origin: { kind: 'messages', refs: [{ channelId, messageId }] },
    });
  }

  private async button(interaction: ButtonInteraction, action: JobAction, jobId: string): Promise<void> {
    if (action === 'edit') return this.editButton(interaction, jobId);
    await interaction.deferReply({ flags: EPHEMERAL });
    const service = this.deps.service();
    const actor = this.actor(interaction);
    if (action === 'cancel') {
      const result = await service.cancel(jobId, actor);
      await this.answer(interaction, result.ok ? `Cancelled job \`${jobId}\`.` : sentences(result.problems));
      return;
    }
    const status = await service.status(jobId);
    if (!status.ok) {
      await this.answer(interaction, sentences(status.problems));
      return;
    }
    const job = status.value.job;
    if (action === 'params') {
      await this.answer(interaction, parametersText(job));
      return;
    }
    await this.retry(interaction, job);
  }

  /** Retry (and Edit prompt): the same request with the files fetched again. */
  private async retry(interaction: ButtonInteraction | ModalSubmitInteraction, job: JobRecord, prompt?: string): Promise<void> {
    const actor = this.actor(interaction);
    if (!this.mayControl(job, actor)) {
      await this.answer(interaction, describeProblem({ code: 'job.not_owner', params: { id: job.id } }));
      return;
    }
    let files: DiscordFile[] = [];
    // A remix's earlier files are those of the job it remixed (its video is fetched by the core).
    const filesOf = job.remixOf ? (await this.deps.service().status(job.remixOf.jobId).then((s) => (s.ok ? s.value.job : undefined))) : job;
    if (filesOf && filesOf.references.length > 0) {
      files = await refetchFiles(this.deps.rest, filesOf, this.deps.botId()).catch((error: unknown) => {
        this.deps.log.warn('discord.refetch_failed', { job: job.id, error });
        return [];
      });
    }
    const origin = decodeOrigin(job.origin);
    await this.start(interaction, {
      request: job.request,
      files,
      requester: job.requester,
      channelId: job.destination.channelId,
      ...(origin ? { origin } : {}),
      membership: membershipOf(interaction),
      retryOf: { id: job.id, actor, ...(prompt !== undefined ? { prompt } : {}) },
    });
  }

  private async editButton(interaction: ButtonInteraction, jobId: string): Promise<void> {
    // The modal must be the first answer, so only a quick store read comes before it.
    const status = await this.deps.service().status(jobId);
    if (!status.ok) {
      await interaction.reply({ content: sentences(status.problems), flags: EPHEMERAL, allowedMentions: NO_MENTIONS });
      return;
    }
    const job = status.value.job;
    if (!this.mayControl(job, this.actor(interaction))) {
      await interaction.reply({ content: describeProblem({ code: 'job.not_owner', params: { id: jobId } }), flags: EPHEMERAL, allowedMentions: NO_MENTIONS });
      return;
    }
    await interaction.showModal({
      custom_id: editModalId(jobId),
      title: `Edit prompt of ${jobId}`,
      components: [label('Prompt', 'The new prompt; the options and files stay the same.', textInput('prompt', 2, job.request.prompt.slice(0, PROMPT_MAX_LENGTH), true))],
    } as never);
  }

  private async editSubmit(interaction: ModalSubmitInteraction, jobId: string): Promise<void> {
    await interaction.deferReply({ flags: EPHEMERAL });
    const status = await this.deps.service().status(jobId);
    if (!status.ok) {
      await this.answer(interaction, sentences(status.problems));
      return;
    }
    await this.retry(interaction, status.value.job, interaction.fields.getTextInputValue('prompt'));
  }

  private mayControl(job: JobRecord, actor: Actor): boolean {
    return (job.requester.platform === actor.platform && job.requester.userId === actor.userId) || this.deps.service().isAdmin(actor);
  }

  private async start(interaction: ChatInputCommandInteraction | ModalSubmitInteraction | ButtonInteraction, input: StartInput): Promise<void> {
    const started = await startVideo({ service: this.deps.service(), rest: this.deps.rest, log: this.deps.log }, input);
    await this.answer(interaction, started.ok ? startedText(started.value.job, started.value.mapping) : started.text);
  }

  /** The answer to a deferred interaction; the token may be gone (15 min), which is only logged. */
  private async answer(interaction: ChatInputCommandInteraction | ModalSubmitInteraction | ButtonInteraction, content: string): Promise<void> {
    try {
      await interaction.editReply({ content: content.slice(0, 2000), allowedMentions: NO_MENTIONS });
    } catch (error) {
      this.deps.log.warn('discord.reply_failed', { interactionId: interaction.id, permission: isPermissionError(error), error });
    }
  }
}

/** The member's role ids, as the interaction carries them (for a server's "who may use the bot"). */
function membershipOf(interaction: Interaction): { groups: string[] } {
  const roles = interaction.member?.roles;
  return { groups: !roles ? [] : Array.isArray(roles) ? [...roles] : [...roles.cache.keys()] };
}

function textInput(customId: string, style: 1 | 2, value: string, required: boolean, maxLength = PROMPT_MAX_LENGTH) {
  return { type: 4, custom_id: customId, style, required, ...(value ? { value } : {}), max_length: maxLength };
}

function label(text: string, description: string, component: unknown) {
  return { type: 18, label: text, description, component };
}

function safeField(interaction: ModalSubmitInteraction, id: string): string {
  try {
    return interaction.fields.getTextInputValue(id) ?? '';
  } catch {
    return '';
  }
}
