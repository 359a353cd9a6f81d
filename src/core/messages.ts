/**
 * Problem codes -> sentences that say what went wrong and what to do next. Plain text with
 * `code` spans, which both Discord and Slack render; adapters add their own framing.
 */
import { MAX_PROBLEMS_LISTED, type Problem, type ProblemCode } from './result.js';

type Params = NonNullable<Problem['params']>;

/** A value or file name inside `code`, with backticks removed so it cannot break out. */
export const code = (value: unknown) => `\`${String(value).replace(/`/g, "'").slice(0, 200)}\``;
const list = (values: unknown) => (Array.isArray(values) ? values.map(code).join(', ') : code(values));
const num = (value: unknown) => (typeof value === 'number' ? Number(value.toFixed(1)).toString() : String(value));
const fileOf = (problem: Problem) => (problem.file ? code(problem.file) : 'A file');

const OPTION_NAMES: Record<string, string> = {
  tier: 'tier',
  mode: 'mode',
  resolution: 'resolution',
  duration: 'duration',
  aspectRatio: 'aspect ratio',
  audio: 'audio',
  watermark: 'watermark',
  count: 'count',
  frames: 'frames',
  version: 'version',
  seed: 'seed',
  faces: 'face mark (`--face`)',
};
const optionName = (p: Params) => OPTION_NAMES[String(p['option'])] ?? String(p['option']);

/** How people reach help, their job list and Cancel on one platform: the sentences point there. */
export interface CommandHints {
  /** Where the options are listed: "Type `/video help` for the list." */
  help: string;
  /** How to cancel a job: "cancel one with `/video cancel <id>`". */
  cancel: string;
  /** Where a person's jobs are listed: "`/video jobs` lists yours." */
  jobs: string;
  /** Where admins change settings: "`/video settings`". */
  settings?: string;
  /** What the platform calls a server: "server" (Discord), "workspace" (Slack). */
  server?: string;
}

/** Slack's words: everything is a `/video` sub-command there. */
export const TEXT_COMMAND_HINTS: CommandHints = {
  help: 'Type `/video help` for the list.',
  cancel: 'cancel one with `/video cancel <id>`',
  jobs: '`/video jobs` lists yours.',
  settings: '`/video settings`',
  server: 'workspace',
};

const HEIF_FORMATS = new Set(['HEIC', 'HEIF']);
/** An iPhone takes JPEG photos when asked; most people do not know the setting. */
const IPHONE_JPEG_HINT = ' (on an iPhone: Settings › Camera › Formats › Most Compatible, or share the photo as JPEG)';

const settingsCommand = (hints: CommandHints) => hints.settings ?? '`/video settings`';
/** "This channel" or "This server" (workspace): who set a limit. */
const whoSet = (p: Params, hints: CommandHints) => (p['scope'] === 'channel' ? 'This channel' : `This ${hints.server ?? 'server'}`);
const allowanceLeft = (p: Params) =>
  p['unit'] === 'usd'
    ? `$${num(p['used'])} of your $${num(p['limit'])} for today; this video would cost up to $${num(p['needed'])}`
    : `${num(p['used'])} of your ${num(p['limit'])} video-seconds for today; this video needs ${num(p['needed'])} more`;

const SENTENCES: Record<ProblemCode, (p: Params, problem: Problem, hints: CommandHints) => string> = {
  'option.unknown_flag': (p, _problem, hints) =>
    `${code(p['flag'])} is not an option${p['suggestion'] ? `: did you mean ${code(p['suggestion'])}?` : '.'} ${hints.help}`,
  'option.missing_value': (p) => `${code(p['flag'])} needs a value: one of ${list(p['allowed'])}.`,
  'option.invalid_value': (p) => `${code(p['value'])} is not a valid ${optionName(p)}. Use one of ${list(p['allowed'])}.`,
  'option.conflict': (p) => `The ${optionName(p)} was given twice (${list(p['values'])}). Keep one.`,
  'prompt.empty': () => 'The prompt is empty. Describe the video you want, for example `a red fox running through snow`.',
  'prompt.too_long': (p) =>
    p['unnamed'] !== undefined
      ? `With the files it does not name added (${list(p['unnamed'])}), the prompt is ${num(p['length'])} characters long; the limit is ${num(p['max'])}. Shorten it, or name those files in it.`
      : `The prompt is ${num(p['length'])} characters long; the limit is ${num(p['max'])}. Shorten it.`,
  'prompt.unknown_reference': (p) =>
    `The prompt mentions ${code(p['reference'])}, but no attached file has that name. ` +
    (Array.isArray(p['names']) && p['names'].length > 0
      ? `Attached: ${list(p['names'])}${Array.isArray(p['labels']) && p['labels'].length > 0 ? ` (or use ${list(p['labels'])})` : ''}.`
      : 'Attach the file, or remove the mention.'),
  'face.unknown_reference': (p) =>
    `\`--face ${String(p['reference']).replace(/`/g, "'").slice(0, 200)}\` names no attached file. ` +
    (Array.isArray(p['names']) && p['names'].length > 0
      ? `Attached: ${list(p['names'])}${Array.isArray(p['labels']) && p['labels'].length > 0 ? ` (or use ${list(p['labels'])})` : ''}.`
      : 'Attach the photo or video of the person, or leave out the face mark.'),
  'face.not_visual': (p, problem) => `${fileOf(problem)} is audio, so it cannot show a face (${code(p['reference'])}). Mark only images and videos with \`--face\`.`,
  'prompt.ambiguous_reference': (p) =>
    `${code(p['reference'])} could mean ${list(p['names'])}. Use the full file name or ${list(p['labels'])}.`,
  'model.unsupported_value': (p) =>
    `This model cannot take ${optionName(p)} ${code(p['value'])}. Use one of ${list(p['allowed'])}` +
    (p['option'] === 'resolution' ? ', or choose `--pro` for 1080p and 4k.' : '.'),
  'model.unsupported_option': (p) =>
    p['option'] === 'seed'
      ? `${String(p['model'] ?? 'This model')} takes no seed (its request schema has none), so a video cannot be repeated exactly with it. Leave out the seed.`
      : p['option'] === 'tier'
        ? `${String(p['model'] ?? 'This model')} has a single tier: leave out the tier (Pro, Fast and Mini are Seedance 2.0's).`
        : `This model has no ${optionName(p)} switch. Leave it out.`,
  'model.schema_mismatch': (p) =>
    `Oxen's model no longer accepts this request (${code(p['property'])}: ${String(p['reason'])}). Try other options, or tell the operator.`,
  'model.no_media_for_mode': (p) =>
    p['mode'] === 'text'
      ? 'Text-to-video takes no files. Remove the attachments, or leave the mode on auto to use them as references.'
      : `This mode cannot take ${p['kind']} files. Remove them, or leave the mode on auto.`,
  'model.too_many_references': (p) =>
    p['kind'] === 'total'
      ? `${num(p['count'])} files were given; at most ${num(p['max'])} can be used together. Remove some.`
      : p['mode'] === 'image'
        ? `Image-to-video uses ${num(p['max'])} image(s) for these frames, but ${num(p['count'])} were given. Remove the extra images, or drop the frames option to use them as references.`
        : `${num(p['count'])} ${p['kind']} files were given; at most ${num(p['max'])} can be used. Remove some.`,
  'model.audio_needs_visual': () => 'Audio references need at least one image or video with them. Attach one.',
  'model.first_frame_needs_image': () => 'Using a first frame needs an image. Attach one, or leave out the frames option.',
  'model.last_frame_needs_image': (p) =>
    `First and last frames need ${num(p['needed'])} images, but ${num(p['count'])} were given. Attach the last frame as a second image.`,
  'reference.download_failed': (_p, problem) =>
    `${fileOf(problem)} could not be downloaded${_p['reason'] === 'timeout' ? ' in time' : ''}. Upload it again, or try a smaller file.`,
  'reference.unsupported_type': (p, problem) =>
    `${fileOf(problem)} is ${p['detected'] === 'unknown' ? 'not a format I can read' : `a ${code(p['detected'])} file`}. ` +
    'Use JPEG, PNG or WebP images, MP4 or MOV videos, and MP3 or WAV audio.',
  'reference.unreadable_media': (p, problem) =>
    `${fileOf(problem)} looks like ${String(p['kind'])} but its length cannot be read. Export it again as a standard MP4, MOV, MP3 or WAV.`,
  'reference.file_too_large': (p, problem) =>
    `${fileOf(problem)} is ${num(p['sizeMB'])} MB; no reference may be over ${num(p['maxMB'])} MB. Compress or trim it.`,
  'reference.image_too_large': (p, problem) => `${fileOf(problem)} is ${num(p['sizeMB'])} MB; images may be at most ${num(p['maxMB'])} MB each. Resize or compress it.`,
  'reference.too_many_images': (p) => `${num(p['count'])} images were attached; at most ${num(p['max'])} can be used. Remove some of ${list(p['files'])}.`,
  'reference.videos_too_large': (p) => `The videos (${list(p['files'])}) are ${num(p['sizeMB'])} MB together; they must be under ${num(p['maxMB'])} MB. Compress or trim them.`,
  'reference.too_many_videos': (p) => `${num(p['count'])} videos were attached; at most ${num(p['max'])} can be used. Remove some of ${list(p['files'])}.`,
  'reference.videos_too_short': (p) => `The videos (${list(p['files'])}) last ${num(p['totalSec'])} s together; they must last at least ${num(p['minSec'])} s. Attach a longer clip.`,
  'reference.videos_too_long': (p) => `The videos (${list(p['files'])}) last ${num(p['totalSec'])} s together; at most ${num(p['maxSec'])} s can be used. Trim them.`,
  'reference.too_many_audios': (p) => `${num(p['count'])} audio files were attached; at most ${num(p['max'])} can be used. Remove some of ${list(p['files'])}.`,
  'reference.audio_too_large': (p, problem) => `${fileOf(problem)} is ${num(p['sizeMB'])} MB; audio files may be at most ${num(p['maxMB'])} MB each. Compress or trim it.`,
  'reference.audios_too_long': (p) => `The audio files (${list(p['files'])}) last ${num(p['totalSec'])} s together; at most ${num(p['maxSec'])} s can be used. Trim them.`,
  'reference.audio_needs_visual': (p) => `Audio (${list(p['files'])}) can only be used with at least one image or video. Attach one.`,
  'reference.conversion_failed': (p, problem) =>
    p['reason'] === 'timeout'
      ? `${fileOf(problem)} took too long to convert (over ${num(p['seconds'])} s). Send a shorter or smaller file.`
      : `${fileOf(problem)} could not be converted (it may be damaged, or its ${code(p['format'])} cannot be decoded here). Export it again as ${p['kind'] === 'image' ? 'JPEG or PNG' : p['kind'] === 'audio' ? 'MP3 or WAV' : 'MP4'}${HEIF_FORMATS.has(String(p['format'])) ? IPHONE_JPEG_HINT : ''}.`,
  'reference.too_many_files': (p) => `${num(p['count'])} files were attached; at most ${num(p['max'])} can be used together. Remove some.`,
  'quota.user_in_flight': (p, _problem, hints) =>
    `You already have ${num(p['limit'])} video(s) in progress (${list(p['jobs'])}), which is the most at once. Wait for one to finish, or ${hints.cancel}.`,
  'quota.budget_exhausted': (p) =>
    p['unit'] === 'usd'
      ? `This server has used $${num(p['used'])} of its $${num(p['limit'])} daily video budget; this video would go over it. Try again tomorrow (UTC), or a shorter or lower-resolution video.`
      : `This server has used ${num(p['used'])} of its ${num(p['limit'])} video-seconds for today; this video needs ${num(p['needed'])} more. Try again tomorrow (UTC), or pick a shorter \`--duration\`.`,
  'quota.person_exhausted': (p, _problem, hints) =>
    `You have used ${allowanceLeft(p)}. Each person's daily allowance here is set by an admin (${settingsCommand(hints)}). Try again tomorrow (UTC), or a shorter or smaller video.`,
  'settings.above_maximum': (p, _problem, hints) =>
    `${whoSet(p, hints)} allows up to ${code(p['option'] === 'duration' ? `${num(p['limit'])} s` : p['limit'])} for the ${optionName(p)} (you asked for ${code(p['option'] === 'duration' ? `${num(p['value'])} s` : p['value'])}); an admin can change it with ${settingsCommand(hints)}.`,
  'settings.tier_not_allowed': (p, _problem, hints) =>
    `${whoSet(p, hints)} allows only the ${list(p['allowed'])} tier(s), not ${code(p['value'])}; pick one of those (1080p and 4k need \`pro\`), or an admin can change it with ${settingsCommand(hints)}.`,
  'settings.channel_off': (p, _problem, hints) =>
    `${p['scope'] === 'channel' ? 'The bot is turned off in this channel' : `The bot is turned off in this ${hints.server ?? 'server'}`}; an admin can turn it on with ${settingsCommand(hints)}.`,
  'settings.not_allowed_user': (p, _problem, hints) =>
    `${whoSet(p, hints)} lets only some ${hints.server === 'workspace' ? 'user groups' : 'roles'} use the bot, and you are not in them. Ask an admin (${settingsCommand(hints)}).`,
  'settings.not_admin': (_p, _problem, hints) =>
    `Only the ${hints.server ?? 'server'}'s admins can change the bot's settings${hints.server === 'workspace' ? ' (workspace admins and owners, and the bot\'s operators)' : ' (people with the Manage Server permission)'}. Nothing was changed.`,
  'settings.unknown_setting': (p) => `${code(p['setting'])} is not a setting. Use one of ${list(p['allowed'])}.`,
  'settings.invalid_value': (p) => `${code(p['value'])} is not a valid value for ${code(p['setting'])}. Use ${String(p['allowed'])}.`,
  'settings.above_ceiling': (p) =>
    `${code(p['setting'])} cannot be ${num(p['value'])}: the operator of this bot allows at most ${num(p['limit'])} (${String(p['variable'])}). Pick ${num(p['limit'])} or less.`,
  'settings.server_only': (p, _problem, hints) => `${code(p['setting'])} is counted per ${hints.server ?? 'server'} and day, so it can only be set for the whole ${hints.server ?? 'server'}, not for one channel.`,
  'job.not_found': (p, _problem, hints) => `There is no job ${code(p['id'])}. ${hints.jobs}`,
  'job.not_owner': (p) => `Only the person who started ${code(p['id'])} (or an admin) can do that.`,
  'job.already_ended': (p) => `Job ${code(p['id'])} has already ended (${String(p['state'])}).`,
  'job.bad_id': (p, _problem, hints) => `${code(p['id'])} is not a job id: ids are 6 letters and digits, like ${code('k3m9qz')}, shown as "Job ${code('k3m9qz')}" on each status message. ${hints.jobs}`,
  'job.no_video': (p) => `Job ${code(p['id'])} has no finished video${Number(p['index']) > 1 ? ` number ${num(p['index'])}` : ''} to remix (it failed, was cancelled, or is not done yet).`,
  'job.retry_needs_files': (p) => `Job ${code(p['id'])} used files I no longer have. Send the request again with the files attached.`,
  'request.more_problems': (p) => `…and ${num(p['count'])} more. Fix these first; sending it again lists what is left.`,
  'platform.cannot_post': (p) =>
    `I could not post the status message and thread here (${String(p['reason'])}). Ask an admin to let me send messages, create threads and attach files in this channel. Nothing was spent.`,
};

/** The most a platform takes in one message, measured as it will be sent. */
export interface TextLimit {
  maxChars: number;
  /** Length once sent; default the number of characters. */
  measure?: (text: string) => number;
}

/** Slack: 3,000 characters per section text, counted after `&`, `<` and `>` become entities. */
export const SLACK_TEXT_LIMIT: TextLimit = { maxChars: 3_000, measure: (text) => text.length + 4 * (text.match(/[&<>]/g)?.length ?? 0) };
/** Discord: 2,000 characters of content. */
export const DISCORD_TEXT_LIMIT: TextLimit = { maxChars: 2_000, measure: (text) => [...text].length };

const measureOf = (limit: TextLimit) => limit.measure ?? ((text: string) => text.length);

/** `text` cut (with an ellipsis) so that it fits `limit`. */
export function clipText(text: string, limit: TextLimit): string {
  const measure = measureOf(limit);
  if (measure(text) <= limit.maxChars) return text;
  const chars = [...text];
  const cut = (end: number) => `${chars.slice(0, end).join('')}…`;
  let end = Math.min(chars.length, limit.maxChars - 1);
  // A character measures at most 5 (an entity), so each step removes at least a fifth of the excess.
  while (end > 0 && measure(cut(end)) > limit.maxChars) end -= Math.max(1, Math.ceil((measure(cut(end)) - limit.maxChars) / 5));
  return cut(Math.max(0, end));
}

/**
 * A heading and lines, fitted to `limit`: at most MAX_PROBLEMS_LISTED lines, then as many as fit;
 * those left out (and `more` already left out) are counted on a last line.
 */
export function fitList(heading: string, lines: readonly string[], more: number, limit: TextLimit, moreLine: (count: number) => string): string {
  const measure = measureOf(limit);
  const shown = lines.slice(0, MAX_PROBLEMS_LISTED);
  let hidden = more + lines.length - shown.length;
  const render = () => [heading, ...shown, ...(hidden > 0 ? [moreLine(hidden)] : [])].join('\n');
  while (shown.length > 1 && measure(render()) > limit.maxChars) {
    shown.pop();
    hidden++;
  }
  return clipText(render(), limit);
}

/** Sentences for problems, pointing at one platform's commands, fitted to its message limit. */
export function problemDescriber(hints: CommandHints, limit: TextLimit = SLACK_TEXT_LIMIT) {
  const one = (problem: Problem) => SENTENCES[problem.code](problem.params ?? {}, problem, hints);
  return {
    problem: (problem: Problem) => clipText(one(problem), limit),
    /**
     * Every problem, one per line, under a heading that says nothing was spent; a long list ends
     * with "…and N more" (counting problems the parser did not even keep: request.more_problems).
     */
    problems(problems: readonly Problem[]): string {
      const listed = problems.filter((p) => p.code !== 'request.more_problems');
      const more = problems.reduce((n, p) => n + (p.code === 'request.more_problems' ? Number(p.params?.['count'] ?? 0) : 0), 0);
      const total = listed.length + more;
      const heading = total === 1 ? 'I could not start this video (nothing was spent):' : `I could not start this video, for ${total} reasons (nothing was spent):`;
      return fitList(heading, listed.slice(0, MAX_PROBLEMS_LISTED).map((p) => `• ${one(p)}`), more + Math.max(0, listed.length - MAX_PROBLEMS_LISTED), limit, (count) =>
        `• ${one({ code: 'request.more_problems', params: { count } })}`,
      );
    },
  };
}

const textCommands = problemDescriber(TEXT_COMMAND_HINTS, SLACK_TEXT_LIMIT);
/** One problem in a sentence, with Slack's `/video` sub-commands as the hints. */
export const describeProblem = (problem: Problem): string => textCommands.problem(problem);
/** Every problem, one per line, under a heading that says nothing was spent. */
export const describeProblems = (problems: readonly Problem[]): string => textCommands.problems(problems);

export { describeFailure, DISCORD_FAILURE_HINTS, TEXT_FAILURE_HINTS, type FailureHints } from './failure-sentences.js';
