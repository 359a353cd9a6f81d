/**
 * The option vocabulary shared by Slack's text flags, mentions and Discord's typed options:
 * one name per option, with its aliases and how to read a value.
 */
import { ASPECT_RATIOS, COUNT_MAX, COUNT_MIN, DURATION_MAX, DURATION_MIN, FACES_MAX, FRAME_MODES, MODES, RESOLUTIONS, SEED_MAX, TIERS, VERSIONS } from '../request.js';
import type { AspectRatio, FrameMode, GenerationOptions, Mode, Resolution, Tier, Version } from '../request.js';

export type OptionName = 'version' | 'tier' | 'mode' | 'resolution' | 'duration' | 'aspectRatio' | 'audio' | 'watermark' | 'count' | 'frames' | 'seed' | 'faces';

/** A value read from text, or undefined when the text is not one of `allowed`. */
export type ValueReading<T> = { ok: true; value: T } | undefined;

export interface ValueOption<N extends OptionName = OptionName> {
  name: N;
  /** Flag spellings that take a value: `--res 720p`, `--res=720p`. */
  flags: readonly string[];
  /** What a person may type, for messages and help. */
  allowed: readonly string[];
  read(raw: string): ValueReading<GenerationOptions[N]>;
}

/** Flags that take no value and set an option to a fixed value (`--fast`, `--no-audio`). */
export interface SwitchFlag {
  flag: string;
  option: OptionName;
  value: GenerationOptions[OptionName];
}

const normalise = (raw: string) => raw.trim().toLowerCase();

function readEnum<T extends string>(allowed: readonly T[], aliases: Record<string, T> = {}) {
  return (raw: string): ValueReading<T> => {
    const value = normalise(raw);
    const hit = (allowed as readonly string[]).includes(value) ? (value as T) : aliases[value];
    return hit ? { ok: true, value: hit } : undefined;
  };
}

const readBoolean = readEnum(['on', 'off'] as const, { true: 'on', yes: 'on', false: 'off', no: 'off' });

function readResolution(raw: string): ValueReading<Resolution | undefined> {
  let value = normalise(raw);
  if (/^\d+$/.test(value)) value = `${value}p`;
  if (value === '2160p' || value === 'uhd') value = '4k';
  return (RESOLUTIONS as readonly string[]).includes(value) ? { ok: true, value: value as Resolution } : undefined;
}

function readDuration(raw: string): ValueReading<'auto' | number> {
  const value = normalise(raw).replace(/(s|sec|secs|seconds)$/, '');
  if (value === 'auto') return { ok: true, value: 'auto' };
  if (!/^\d+$/.test(value)) return undefined;
  const seconds = Number(value);
  return seconds >= DURATION_MIN && seconds <= DURATION_MAX ? { ok: true, value: seconds } : undefined;
}

function readAspect(raw: string): ValueReading<'auto' | AspectRatio> {
  const value = normalise(raw).replace(/[x/]/, ':');
  if (value === 'auto' || value === 'adaptive') return { ok: true, value: 'auto' };
  return (ASPECT_RATIOS as readonly string[]).includes(value) ? { ok: true, value: value as AspectRatio } : undefined;
}

function readCount(raw: string): ValueReading<number> {
  const value = normalise(raw);
  const count = Number(value);
  return /^\d+$/.test(value) && count >= COUNT_MIN && count <= COUNT_MAX ? { ok: true, value: count } : undefined;
}

function readVersion(raw: string): ValueReading<Version> {
  const value = normalise(raw).replace(/^v/, '');
  const version = ({ '2': '2.0', '2.0': '2.0', '20': '2.0', '2.5': '2.5', '25': '2.5' } as Record<string, Version>)[value];
  return version ? { ok: true, value: version } : undefined;
}

function readSeed(raw: string): ValueReading<number> {
  const value = normalise(raw);
  const seed = Number(value);
  return /^\d{1,10}$/.test(value) && seed <= SEED_MAX ? { ok: true, value: seed } : undefined;
}

/**
 * `@Image1`, `@Image1,@selfie.jpg`, `Image1 2`: the files that show a real person, as typed (the
 * `@` is optional). Which file each names is decided with the attachments (references/faces.ts).
 */
function readFaces(raw: string): ValueReading<readonly string[] | undefined> {
  const names = raw
    .split(/[\s,]+/)
    .map((n) => n.replace(/^@/, '').replace(/^["“](.*)["”]$/, '$1').trim())
    .filter((n) => n !== '');
  if (names.length === 0 || names.length > FACES_MAX || names.some((n) => n.length > 200)) return undefined;
  return { ok: true, value: [...new Set(names.map((n) => `@${n}`))] };
}

const onOff = (raw: string): ValueReading<boolean> => {
  const reading = readBoolean(raw);
  return reading && { ok: true, value: reading.value === 'on' };
};

export const VALUE_OPTIONS: readonly ValueOption[] = [
  { name: 'version', flags: ['version', 'v'], allowed: VERSIONS, read: readVersion },
  { name: 'tier', flags: ['tier', 'model'], allowed: ['auto', ...TIERS], read: readEnum<Tier | 'auto'>(['auto', ...TIERS]) },
  {
    name: 'mode',
    flags: ['mode'],
    allowed: ['auto', ...MODES],
    read: readEnum<Mode | 'auto'>(['auto', ...MODES], { t2v: 'text', i2v: 'image', r2v: 'reference' }),
  },
  { name: 'resolution', flags: ['res', 'resolution'], allowed: RESOLUTIONS, read: readResolution },
  { name: 'duration', flags: ['duration', 'dur', 'seconds'], allowed: ['auto', `${DURATION_MIN}-${DURATION_MAX}`], read: readDuration },
  { name: 'aspectRatio', flags: ['ar', 'aspect', 'aspect-ratio'], allowed: ['auto', ...ASPECT_RATIOS], read: readAspect },
  { name: 'audio', flags: ['audio'], allowed: ['on', 'off'], read: onOff },
  { name: 'watermark', flags: ['watermark'], allowed: ['on', 'off'], read: onOff },
  { name: 'count', flags: ['count', 'n'], allowed: [`${COUNT_MIN}-${COUNT_MAX}`], read: readCount },
  {
    name: 'frames',
    flags: ['frames'],
    allowed: FRAME_MODES,
    read: readEnum<FrameMode>(FRAME_MODES, { none: 'off', both: 'first-last' }),
  },
  { name: 'seed', flags: ['seed'], allowed: [`0-${SEED_MAX}`], read: readSeed },
  { name: 'faces', flags: ['face', 'faces'], allowed: ['@Image1', '@Image1,@Image2', '@selfie.jpg'], read: readFaces },
] as ValueOption[];

export const SWITCH_FLAGS: readonly SwitchFlag[] = [
  { flag: 'v2.5', option: 'version', value: '2.5' },
  { flag: 'v2', option: 'version', value: '2.0' },
  { flag: 'v2.0', option: 'version', value: '2.0' },
  { flag: 'pro', option: 'tier', value: 'pro' },
  { flag: 'fast', option: 'tier', value: 'fast' },
  { flag: 'mini', option: 'tier', value: 'mini' },
  { flag: 't2v', option: 'mode', value: 'text' },
  { flag: 'i2v', option: 'mode', value: 'image' },
  { flag: 'r2v', option: 'mode', value: 'reference' },
  { flag: 'audio', option: 'audio', value: true },
  { flag: 'no-audio', option: 'audio', value: false },
  { flag: 'watermark', option: 'watermark', value: true },
  { flag: 'no-watermark', option: 'watermark', value: false },
  { flag: 'first-frame', option: 'frames', value: 'first' },
  { flag: 'last-frame', option: 'frames', value: 'first-last' },
  { flag: 'first-last', option: 'frames', value: 'first-last' },
];

/** Every spelling a person may type after `--`, for suggestions and help. */
export const ALL_FLAGS: readonly string[] = [...new Set([...VALUE_OPTIONS.flatMap((o) => o.flags), ...SWITCH_FLAGS.map((s) => s.flag)])];
