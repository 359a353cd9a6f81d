/**
 * The "Make video" modal: a prompt (flags typed into it are read too), the option fields (one list,
 * FORM_FIELDS) and a file input for more references. What the shortcut knew (channel, thread, the message's
 * file ids) travels in private_metadata.
 */
import { ASPECT_RATIO_CHOICES, durationChoices, modeChoices, resolutionsForAnyTier, tierChoices, versionChoices } from '../core/models/catalog.js';
import { PROMPT_MAX_LENGTH } from '../core/options/parse-options.js';
import { COUNT_MAX, COUNT_MIN, FRAME_MODES, SEED_MAX, type FrameMode } from '../core/request.js';
import type { OptionName } from '../core/options/vocabulary.js';
import type { SlackFile } from './files.js';
import type { Block } from './render.js';
import { MAKE_VIDEO_MODAL } from './requirements.js';

/** Where the modal's request goes and which files it starts with. */
export interface ModalMetadata {
  channel: string;
  thread?: string;
  files: string[];
}

export function encodeMetadata(meta: ModalMetadata): string {
  return JSON.stringify({ c: meta.channel, ...(meta.thread ? { t: meta.thread } : {}), f: meta.files });
}

export function decodeMetadata(text: string): ModalMetadata | undefined {
  try {
    const raw = JSON.parse(text) as { c?: unknown; t?: unknown; f?: unknown };
    if (typeof raw.c !== 'string') return undefined;
    return {
      channel: raw.c,
      ...(typeof raw.t === 'string' ? { thread: raw.t } : {}),
      files: Array.isArray(raw.f) ? raw.f.filter((f): f is string => typeof f === 'string') : [],
    };
  } catch {
    return undefined;
  }
}

const plain = (text: string) => ({ type: 'plain_text', text: text.slice(0, 75), emoji: false });
const VALUE = 'value';

/** What Slack submits for one input block (its element's action id is always `value`). */
export type FieldState = { value?: string | null; selected_option?: { value?: string } | null; selected_options?: { value?: string }[] | null; files?: SlackFile[] };

/**
 * One field of the form: block id = `name`; what it submits is read back as the text the option
 * parser takes (undefined: not set, so the channel's and workspace's defaults apply).
 */
export interface FormField {
  name: OptionName;
  label: string;
  hint?: string;
  element(): Record<string, unknown>;
  read(state: FieldState | undefined): string | undefined;
}

/** The first choice of every select is "Default" (not set): the channel's default, else the model's. */
const DEFAULT_CHOICE = { name: 'Default', value: 'default' };

export function selectField(name: OptionName, label: string, choices: readonly { name: string; value: string }[], hint?: string): FormField {
  return {
    name,
    label,
    ...(hint ? { hint } : {}),
    element: () => {
      const options = [DEFAULT_CHOICE, ...choices].map((c) => ({ text: plain(c.name), value: c.value }));
      return { type: 'static_select', action_id: VALUE, options, initial_option: options[0] };
    },
    read: (state) => {
      const value = state?.selected_option?.value;
      return value && value !== DEFAULT_CHOICE.value ? value : undefined;
    },
  };
}

export function textField(name: OptionName, label: string, placeholder: string, maxLength: number, hint?: string): FormField {
  return {
    name,
    label,
    ...(hint ? { hint } : {}),
    element: () => ({ type: 'plain_text_input', action_id: VALUE, max_length: maxLength, placeholder: plain(placeholder) }),
    read: (state) => state?.value?.trim() || undefined,
  };
}

const onOff = [
  { name: 'On', value: 'on' },
  { name: 'Off', value: 'off' },
];
const counts: { name: string; value: string }[] = [];
for (let n = COUNT_MIN; n <= COUNT_MAX; n++) counts.push({ name: n === 1 ? '1 video' : `${n} videos`, value: String(n) });
const FRAME_NAMES: Record<FrameMode, string> = { off: 'Off (images are references)', first: 'First frame: @Image1', 'first-last': 'First and last frame: @Image1, @Image2' };

/**
 * The option fields of the form, in order: the same options as Discord's `/video` (choices from
 * the catalog, never a second copy). A new option is one more entry here; readModal reads it.
 */
export const FORM_FIELDS: FormField[] = [
  selectField('version', 'Seedance version', versionChoices(), '2.5 makes up to 30 s and takes more files'),
  selectField('tier', 'Model tier (2.0)', tierChoices({ includeAuto: true })),
  selectField('mode', 'Mode', modeChoices({ includeAuto: true })),
  selectField('resolution', 'Resolution', resolutionsForAnyTier().map((r) => ({ name: r, value: r })), '1080p and 4k need the Pro tier'),
  selectField('duration', 'Duration', durationChoices().map((d) => (d === 'auto' ? { name: 'Auto (the model decides)', value: 'auto' } : { name: `${d} s`, value: String(d) }))),
  selectField('aspectRatio', 'Aspect ratio', ASPECT_RATIO_CHOICES.map((r) => ({ name: r === 'auto' ? 'Auto' : r, value: r }))),
  selectField('audio', 'Audio', onOff),
  selectField('watermark', 'Watermark', onOff),
  selectField('count', 'How many videos', counts),
  selectField('frames', 'First / last frame', FRAME_MODES.map((f) => ({ name: FRAME_NAMES[f], value: f })), 'Use the images as the first (and last) frame of the video'),
  // Seedance blocks real faces unless marked (references/faces.ts): the `--face` flag as a field.
  textField('faces', 'Real faces', '@Image1, @selfie.jpg', 1000, 'Files that show a real person, e.g. @Image1 or @selfie.jpg'),
  textField('seed', 'Seed', 'a whole number, to repeat a video', String(SEED_MAX).length, 'Only for models whose schema takes a seed'),
];

export const PROMPT_BLOCK = 'prompt';
export const FILES_BLOCK = 'files';

export function makeVideoModal(input: { prompt: string; files: readonly SlackFile[]; metadata: ModalMetadata }): Record<string, unknown> {
  const blocks: Block[] = [
    {
      type: 'input',
      block_id: PROMPT_BLOCK,
      label: plain('Prompt'),
      element: {
        type: 'plain_text_input',
        action_id: VALUE,
        multiline: true,
        max_length: Math.min(PROMPT_MAX_LENGTH, 3000),
        ...(input.prompt ? { initial_value: input.prompt.slice(0, 3000) } : {}),
        placeholder: plain('Describe the video; name files as @cat.png or @Image1'),
      },
    },
  ];
  if (input.files.length > 0) {
    const names = input.files.map((f) => f.name ?? f.id).join(', ');
    blocks.push({ type: 'context', elements: [{ type: 'plain_text', text: `References from the message: ${names}`.slice(0, 2000), emoji: false }] });
  }
  for (const field of FORM_FIELDS) {
    blocks.push({ type: 'input', block_id: field.name, optional: true, label: plain(field.label), ...(field.hint ? { hint: plain(field.hint) } : {}), element: field.element() });
  }
  blocks.push({
    type: 'input',
    block_id: FILES_BLOCK,
    optional: true,
    label: plain('More reference files'),
    element: { type: 'file_input', action_id: VALUE, max_files: 10, filetypes: ['png', 'jpg', 'jpeg', 'webp', 'mp4', 'mov', 'mp3', 'wav'] },
  });
  return {
    type: 'modal',
    callback_id: MAKE_VIDEO_MODAL,
    title: plain('Make video'),
    submit: plain('Make video'),
    close: plain('Cancel'),
    private_metadata: encodeMetadata(input.metadata),
    blocks,
  };
}

type StateValues = Record<string, Record<string, FieldState>>;

/** The prompt, option fields and uploaded files of a submitted modal. */
export function readModal(values: StateValues): { prompt: string; fields: Partial<Record<OptionName, string>>; files: SlackFile[] } {
  const fields: Partial<Record<OptionName, string>> = {};
  for (const field of FORM_FIELDS) {
    const value = field.read(values[field.name]?.[VALUE]);
    if (value !== undefined) fields[field.name] = value;
  }
  return { prompt: values[PROMPT_BLOCK]?.[VALUE]?.value ?? '', fields, files: values[FILES_BLOCK]?.[VALUE]?.files ?? [] };
}
