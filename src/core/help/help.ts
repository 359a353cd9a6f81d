/**
 * The help both platforms show (Slack `/video help`, Discord `/help`): one source for the options,
 * the files and their labels, the limits and the examples, built from the option vocabulary, the
 * catalog and the reference limits, so the two cannot drift apart. Each platform adds only how
 * things are done there (commands, where files go) and its own formatting; lines use `code` and
 * nothing else, so either markup shows them.
 */
import { ASPECT_RATIO_CHOICES, durationsByVersion, modeChoices, resolutionsForAnyTier, tierChoices } from '../models/catalog.js';
import { REFERENCE_LIMITS, REFERENCE_LIMITS_2_5 } from '../references/limits.js';
import { SWITCH_FLAGS, VALUE_OPTIONS } from '../options/vocabulary.js';

export interface HelpSection {
  title: string;
  lines: string[];
}

/** What only the platform knows. */
export interface HelpPlatform {
  /** How to start a video here. */
  start: readonly string[];
  /** How files reach the bot here. */
  files: readonly string[];
  /** An example request as typed here, from a prompt with flags (`files`: it needs files attached). */
  example(promptWithFlags: string, files: boolean): string;
  /** The other commands, buttons and forms. */
  more: readonly string[];
}

/** Prompts with flags that show one thing each; every platform shows all of them. */
export const HELP_EXAMPLES: readonly { text: string; files: boolean }[] = [
  { text: 'a red fox running through snow at dawn --res 720p --duration 5', files: false },
  { text: 'a street market at night, handheld camera --pro --res 1080p --ar 9:16 --no-audio', files: false },
  { text: 'a paper boat on a river --count 2 --fast', files: false },
  { text: 'a lighthouse in a storm, waves crashing --v2.5 --duration 20', files: false },
  { text: 'the cat @cat.png walks the way the dancer moves in @Video1, to the beat of @Audio1 --r2v', files: true },
  { text: 'the cat wakes up and stretches --first-frame', files: true },
];

const mb = (bytes: number) => `${Math.round(bytes / 1_000_000)} MB`;

/** The reference limits in one sentence. */
export function limitsLine(): string {
  const { images, videos, audios, maxFiles } = REFERENCE_LIMITS;
  return (
    `Limits: up to ${images.maxCount} images (${mb(images.maxBytesEach)} each), ${videos.maxCount} videos (under ${mb(videos.totalBytesUnder)} together, ` +
    `${videos.minSecondsTotal}-${videos.maxSecondsTotal} s in all) and ${audios.maxCount} audio files (${mb(audios.maxBytesEach)} each, ${audios.maxSecondsTotal} s in all); ${maxFiles} files at most. ` +
    `Seedance 2.5 takes up to ${REFERENCE_LIMITS_2_5.images.maxCount} images, ${REFERENCE_LIMITS_2_5.videos.maxCount} videos and ${REFERENCE_LIMITS_2_5.audios.maxCount} audio files.`
  );
}

/** One line per option that takes a value: its spellings and what it takes. */
export function optionLines(): string[] {
  const flag = (spellings: readonly string[]) => spellings.map((f) => `\`--${f}\``).join('/');
  return VALUE_OPTIONS.map((o) => `• ${flag(o.flags)} ${o.allowed.join(' | ')}`);
}

export function helpSections(platform: HelpPlatform): HelpSection[] {
  return [
    { title: 'Make a video with Seedance 2.0 or 2.5', lines: [...platform.start] },
    {
      title: 'Files and labels',
      lines: [
        ...platform.files,
        'Name the files in the prompt by label (`@Image1`, `@Video1`, `@Audio1`, numbered per kind in the order attached) or by file name (`@cat.png`).',
        'Every file is in the prompt: one the prompt does not name is named for the model at its end (`Use @Image2 as a reference image.`), and the status message shows the prompt sent.',
        'Real people: Seedance refuses files that show a real face unless they are marked with `--face @Image1` (or `--face @selfie.jpg`, `--face @Image1,@Image2`); the forms and commands have a field for it too.',
        'Image to video: `--first-frame` makes `@Image1` the first frame; `--last-frame` (or `--frames first-last`) makes `@Image2` the last.',
        limitsLine(),
      ],
    },
    {
      title: 'Options',
      lines: [...optionLines(), `Switches: ${SWITCH_FLAGS.map((s) => `\`--${s.flag}\``).join(' ')}`],
    },
    {
      title: 'Choices',
      lines: [
        'Versions: Seedance 2.0 (the default, with tiers) or 2.5 (`--v2.5`: one tier, 480p or 720p, up to 30 s, audio on unless `--no-audio`, more files).',
        `Tiers (2.0): ${tierChoices({ includeAuto: true }).map((c) => c.name).join(', ')}.`,
        `Modes: ${modeChoices({ includeAuto: true }).map((c) => c.name).join(', ')}.`,
        `Resolutions: ${resolutionsForAnyTier().join(', ')} (1080p and 4k need Pro). Durations: auto or ${durationsByVersion()}. Aspect ratios: ${ASPECT_RATIO_CHOICES.join(', ')}.`,
      ],
    },
    {
      title: 'Seeds and cost',
      lines: [
        "`--seed N` asks for the same video again, where the model's request schema takes a seed (the bot draws one when you give none, and Parameters show it; Retry keeps yours and draws a new one otherwise). Today's Seedance 2.0 and 2.5 schemas take none: the bot says so rather than drop it.",
        'Before anything is spent the status message shows the estimate (seconds × the model’s price; auto counts as the longest), and once the video is delivered what Oxen says it charged.',
      ],
    },
    { title: 'Examples', lines: HELP_EXAMPLES.map((e) => `• ${platform.example(e.text, e.files)}`) },
    { title: 'Jobs and buttons', lines: [...platform.more] },
  ];
}
