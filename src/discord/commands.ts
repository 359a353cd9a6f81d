/**
 * The application commands: `/video` (typed options and reference attachments), `/jobs`, `/help`, and the
 * message context-menu command "Make video". Every choice list comes from the core's catalog.
 */
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ContextMenuCommandBuilder,
  InteractionContextType,
  SlashCommandBuilder,
  type RESTPutAPIApplicationCommandsJSONBody,
} from 'discord.js';
import { ASPECT_RATIO_CHOICES, durationChoices, modeChoices, REFERENCE_LIMITS, resolutionsForAnyTier, tierChoices, versionChoices } from '../core/models/catalog.js';
import { COUNT_MAX, COUNT_MIN, FRAME_MODES, SEED_MAX } from '../core/request.js';
import type { OptionName } from '../core/options/vocabulary.js';
import { PROMPT_MAX_LENGTH } from '../core/options/parse-options.js';
import type { ReferenceKind } from '../core/references/types.js';
import { videoSettingsCommand } from './settings-command.js';
import { usageCommand } from './usage.js';
import { JOB_ID_INPUT_MAX } from '../core/recall/job-id.js';
import { helpCommand } from './help.js';

export const VIDEO_COMMAND = 'video';
export const JOBS_COMMAND = 'jobs';
export const MAKE_VIDEO_COMMAND = 'Make video';
/** The longest `faces` a person may type (15 file names). */
export const FACES_FIELD_MAX = 1000;

/** `/video` option name -> the core's option name. */
export const VIDEO_OPTION_FIELDS: Readonly<Record<string, OptionName>> = {
  version: 'version',
  tier: 'tier',
  mode: 'mode',
  resolution: 'resolution',
  duration: 'duration',
  aspect_ratio: 'aspectRatio',
  audio: 'audio',
  watermark: 'watermark',
  count: 'count',
  frames: 'frames',
  faces: 'faces',
  seed: 'seed',
};

const MAX_OPTIONS = 25;
const TYPED_OPTIONS = 1 + Object.keys(VIDEO_OPTION_FIELDS).length;

/** Attachment options per kind, within Discord's 25 options and the core's per-kind limits. */
export function attachmentOptionNames(): { name: string; kind: ReferenceKind }[] {
  const room = MAX_OPTIONS - TYPED_OPTIONS;
  const videos = Math.min(REFERENCE_LIMITS.video, Math.floor(room / 3));
  const audios = Math.min(REFERENCE_LIMITS.audio, Math.floor(room / 3));
  const images = Math.min(REFERENCE_LIMITS.image, room - videos - audios);
  const names: { name: string; kind: ReferenceKind }[] = [];
  for (let i = 1; i <= images; i++) names.push({ name: `image${i}`, kind: 'image' });
  for (let i = 1; i <= videos; i++) names.push({ name: `video${i}`, kind: 'video' });
  for (let i = 1; i <= audios; i++) names.push({ name: `audio${i}`, kind: 'audio' });
  return names;
}

const choice = (name: string, value: string) => ({ name: name.slice(0, 100), value });

export function videoCommand() {
  const builder = new SlashCommandBuilder()
    .setName(VIDEO_COMMAND)
    .setDescription('Make a video with Seedance (2.0 or 2.5) from a prompt and optional reference files')
    .setContexts(InteractionContextType.Guild)
    .addStringOption((o) => o.setName('prompt').setDescription('What should happen in the video? Name files as @Image1, @cat.png ...').setRequired(true).setMaxLength(PROMPT_MAX_LENGTH))
    .addStringOption((o) => o.setName('version').setDescription('Seedance version (default 2.0; 2.5 makes up to 30 s and takes more files)').addChoices(...versionChoices().map((c) => choice(c.name, c.value))))
    .addStringOption((o) => o.setName('tier').setDescription('Model tier (Seedance 2.0)').addChoices(...tierChoices({ includeAuto: true }).map((c) => choice(c.name, c.value))))
    .addStringOption((o) => o.setName('mode').setDescription('How the files are used').addChoices(...modeChoices({ includeAuto: true }).map((c) => choice(c.name, c.value))))
    .addStringOption((o) => o.setName('resolution').setDescription('Resolution (1080p and 4k need the Pro tier)').addChoices(...resolutionsForAnyTier().map((r) => choice(r, r))))
    .addStringOption((o) =>
      o
        .setName('duration')
        .setDescription('Length in seconds')
        .addChoices(...durationChoices().map((d) => (d === 'auto' ? choice('Auto (the model decides)', 'auto') : choice(`${d} s`, String(d))))),
    )
    .addStringOption((o) => o.setName('aspect_ratio').setDescription('Aspect ratio').addChoices(...ASPECT_RATIO_CHOICES.map((a) => choice(a === 'auto' ? 'Auto' : a, a))))
    .addBooleanOption((o) => o.setName('audio').setDescription('Generate sound'))
    .addBooleanOption((o) => o.setName('watermark').setDescription('Add a watermark'))
    .addIntegerOption((o) => o.setName('count').setDescription('How many videos').setMinValue(COUNT_MIN).setMaxValue(COUNT_MAX))
    .addStringOption((o) => o.setName('frames').setDescription('Use images as the first (and last) frame').addChoices(...FRAME_MODES.map((f) => choice(f, f))))
    .addStringOption((o) => o.setName('faces').setDescription('Files that show a real person, e.g. @Image1 or @selfie.jpg (Seedance blocks faces otherwise)').setMaxLength(FACES_FIELD_MAX))
    .addIntegerOption((o) => o.setName('seed').setDescription('Seed, to repeat a video (only models whose schema takes one)').setMinValue(0).setMaxValue(SEED_MAX));
  for (const { name, kind } of attachmentOptionNames()) {
    builder.addAttachmentOption((o) => o.setName(name).setDescription(`A reference ${kind}`));
  }
  const json = builder.toJSON();
  // discord.js has no setter for `file_types` yet (platforms.md): add it to the JSON.
  const kinds = new Map(attachmentOptionNames().map((a) => [a.name, a.kind]));
  return {
    ...json,
    options: json.options?.map((o) => (o.type === ApplicationCommandOptionType.Attachment ? { ...o, file_types: [kinds.get(o.name)!] } : o)),
  };
}

export function jobsCommand() {
  return new SlashCommandBuilder()
    .setName(JOBS_COMMAND)
    .setDescription('Your videos: state, place in line and buttons')
    .setContexts(InteractionContextType.Guild)
    .addStringOption((o) => o.setName('id').setDescription('One job of this server by its id, as status messages show it (Job k3m9qz)').setMaxLength(JOB_ID_INPUT_MAX))
    .toJSON();
}

export function makeVideoCommand() {
  return new ContextMenuCommandBuilder().setName(MAKE_VIDEO_COMMAND).setType(ApplicationCommandType.Message).setContexts(InteractionContextType.Guild).toJSON();
}

/** Everything `npm run register` puts (a bulk overwrite replaces all commands of the scope). */
export function commandDefinitions(): RESTPutAPIApplicationCommandsJSONBody {
  return [videoCommand(), jobsCommand(), makeVideoCommand(), videoSettingsCommand(), helpCommand(), usageCommand()] as RESTPutAPIApplicationCommandsJSONBody;
}
