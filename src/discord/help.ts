/**
 * `/help`: the shared help (src/core/help, the same as Slack's `/video help`) with what only
 * Discord adds, as an ephemeral embed: one field per section, each within Discord's 1,024
 * characters a field (a long section goes on in a second field), the whole within 6,000.
 */
import { InteractionContextType, SlashCommandBuilder, type APIEmbed, type APIEmbedField } from 'discord.js';
import { helpSections, type HelpPlatform } from '../core/help/help.js';
import { clipText } from '../core/messages.js';

export const HELP_COMMAND = 'help';

/** Discord's limits for an embed (https://docs.discord.com/developers/resources/message#embed-object-embed-limits). */
export const EMBED_LIMITS = { fieldValue: 1_024, fieldName: 256, fields: 25, description: 4_096, total: 6_000 } as const;

export const DISCORD_HELP: HelpPlatform = {
  start: [
    '`/video` makes a video: type the prompt, pick the options (tier, resolution, duration, count, first/last frame, …) and attach files with its image, video and audio options.',
    'Or mention me in a message with the prompt and flags, e.g. `@Seedance a red fox in the snow --res 720p --duration 5`.',
  ],
  files: [
    "Reply to a message with images, videos or audio and mention me: its files are the references, then your reply's own.",
    'Or use the context menu on a message with files: right-click (or long-press) → **Apps** → **Make video**: a form for the prompt and the flags.',
    'Files that show a real person: the `faces` option of `/video` (e.g. `@Image1` or `@selfie.jpg`), the Real faces field of **Make video**, or `--face @Image1` when you mention me.',
  ],
  example: (text, files) => (files ? `\`@Seedance ${text}\` (replying to the message with the files)` : `\`@Seedance ${text}\``),
  more: [
    "`/jobs` lists your videos with their buttons; `/jobs id:k3m9qz` shows one job of this server by the id its status message shows (state, parameters, cost, the video and its buttons). `/usage` shows today's video-seconds and dollars, yours and the server's, against the allowances. `/video-settings` (server managers) sets defaults, limits and allowances.",
    'The status message has Cancel while the job runs and Retry once it ended, with Edit prompt and Parameters; every delivered video has Retry, Edit prompt, Remix and Parameters. Only you (or an admin) can use Cancel, Retry, Edit prompt and Remix.',
    '**Remix** makes a new video from a finished one: a form with its prompt opens, and the video becomes `@Video1` of a reference-to-video job (with the earlier files that still fit beside it), counted against your allowance.',
    "You are mentioned when your video is ready; nothing else the bot posts pings anyone.",
  ],
};

/** Lines in fields of at most `max` characters: a section that does not fit goes on in another field. */
function fieldsOf(title: string, lines: readonly string[], max = EMBED_LIMITS.fieldValue): APIEmbedField[] {
  const fields: APIEmbedField[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length > 0) fields.push({ name: fields.length === 0 ? title : `${title} (continued)`, value: current.join('\n') });
    current = [];
  };
  for (const raw of lines) {
    const line = clipText(raw, { maxChars: max });
    if ([...current, line].join('\n').length > max) flush();
    current.push(line);
  }
  flush();
  return fields;
}

export function helpEmbed(): APIEmbed {
  const sections = helpSections(DISCORD_HELP);
  const [first, ...rest] = sections;
  const embed: APIEmbed = {
    title: first!.title,
    description: clipText(first!.lines.join('\n'), { maxChars: EMBED_LIMITS.description }),
    fields: rest.flatMap((s) => fieldsOf(s.title, s.lines)).slice(0, EMBED_LIMITS.fields),
  };
  return embed;
}

export function helpCommand() {
  return new SlashCommandBuilder()
    .setName(HELP_COMMAND)
    .setDescription('How to make videos: options, files, labels, limits and examples')
    .setContexts(InteractionContextType.Guild)
    .toJSON();
}
