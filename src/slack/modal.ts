/**
 * The "Make video" modal: a prompt, the options (choices from the catalog, never a second copy)
 * and a file input for more references. What the shortcut knew (channel, thread, the message's
 * file ids) travels in private_metadata.
 */
import { ASPECT_RATIO_CHOICES, durationChoices, modeChoices, resolutionsForAnyTier, tierChoices } from '../core/models/catalog.js';
import { PROMPT_MAX_LENGTH } from '../core/options/parse-options.js';
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
const option = (name: string, value: string) => ({ text: plain(name), value });

/** The option fields of the modal, in order: block id = option name, action id = `value`. */
const SELECTS: { name: OptionName; label: string; options: { name: string; value: string }[] }[] = [
  { name: 'tier', label: 'Model tier', options: tierChoices({ includeAuto: true }) },
  { name: 'mode', label: 'Mode', options: modeChoices({ includeAuto: true }) },
  { name: 'resolution', label: 'Resolution', options: [{ name: 'Model default', value: 'default' }, ...resolutionsForAnyTier().map((r) => ({ name: r, value: r }))] },
  { name: 'duration', label: 'Duration', options: durationChoices().map((d) => (d === 'auto' ? { name: 'Auto', value: 'auto' } : { name: `${d} s`, value: String(d) })) },
  { name: 'aspectRatio', label: 'Aspect ratio', options: ASPECT_RATIO_CHOICES.map((r) => ({ name: r === 'auto' ? 'Auto' : r, value: r })) },
  { name: 'audio', label: 'Audio', options: [{ name: 'Model default', value: 'default' }, { name: 'On', value: 'on' }, { name: 'Off', value: 'off' }] },
];

export const PROMPT_BLOCK = 'prompt';
export const FILES_BLOCK = 'files';
const VALUE = 'value';

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
  for (const select of SELECTS) {
    const options = select.options.map((o) => option(o.name, o.value));
    blocks.push({
      type: 'input',
      block_id: select.name,
      optional: true,
      label: plain(select.label),
      element: { type: 'static_select', action_id: VALUE, options, initial_option: options[0] },
    });
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

type StateValues = Record<string, Record<string, { value?: string | null; selected_option?: { value?: string } | null; files?: SlackFile[] }>>;

/** The prompt, option fields and uploaded files of a submitted modal. */
export function readModal(values: StateValues): { prompt: string; fields: Partial<Record<OptionName, string>>; files: SlackFile[] } {
  const fields: Partial<Record<OptionName, string>> = {};
  for (const select of SELECTS) {
    const value = values[select.name]?.[VALUE]?.selected_option?.value;
    if (value && value !== 'default') fields[select.name] = value;
  }
  return { prompt: values[PROMPT_BLOCK]?.[VALUE]?.value ?? '', fields, files: values[FILES_BLOCK]?.[VALUE]?.files ?? [] };
}
