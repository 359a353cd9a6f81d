/** The neutral generation request: what a person asked for, before any model is chosen. */
import type { OptionName } from './options/vocabulary.js';

/** Seedance generations: 2.0 (tiers Pro, Fast, Mini) and 2.5 (one tier). The default stays 2.0. */
export const VERSIONS = ['2.0', '2.5'] as const;
export type Version = (typeof VERSIONS)[number];
export const DEFAULT_VERSION: Version = '2.0';

export const TIERS = ['pro', 'fast', 'mini'] as const;
export type Tier = (typeof TIERS)[number];

/** text: text-to-video; image: image-to-video (first/last frame); reference: reference-to-video. */
export const MODES = ['text', 'image', 'reference'] as const;
export type Mode = (typeof MODES)[number];

export const RESOLUTIONS = ['480p', '720p', '1080p', '4k'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export const ASPECT_RATIOS = ['21:9', '16:9', '4:3', '1:1', '3:4', '9:16'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

export const DURATION_MIN = 4;
/** The longest any model makes (2.5: 30 s; 2.0: 15 s). Each model's schema says what it takes. */
export const DURATION_MAX = 30;
/** Seeds people may type: Seedance's older schemas take a non-negative 32-bit integer. */
export const SEED_MAX = 2_147_483_647;
export const COUNT_MIN = 1;
export const COUNT_MAX = 4;

/** How uploaded images are used in image-to-video: as the first frame, or first and last. */
export const FRAME_MODES = ['off', 'first', 'first-last'] as const;
export type FrameMode = (typeof FRAME_MODES)[number];

export interface GenerationOptions {
  /** undefined: DEFAULT_VERSION. */
  version?: Version;
  /** Ignored by 2.5, which has one tier. */
  tier: Tier | 'auto';
  mode: Mode | 'auto';
  /** undefined: the model's default. */
  resolution?: Resolution;
  /** 'auto' lets the model pick the length; otherwise whole seconds. */
  duration: 'auto' | number;
  /** 'auto' lets the model pick (sent as `adaptive` or `auto`, whichever the schema takes). */
  aspectRatio: 'auto' | AspectRatio;
  /** undefined: the model's default. */
  audio?: boolean;
  watermark: boolean;
  /** Generations per request, 1-4. */
  count: number;
  frames: FrameMode;
  /**
   * Sent when the model's schema has a seed. Given by the person (`given` has 'seed'), or drawn
   * by the bot when the job was planned, so Parameters can show it and Retry can draw a new one.
   */
  seed?: number;
  /**
   * The attachments that show a real person, as the person named them (`@Image1`, `@selfie.jpg`,
   * `@2`): sent in the model's face fields (see references/faces.ts). undefined: none.
   */
  faces?: readonly string[];
}

/** The most files `--face` may name: every reference a request may have. */
export const FACES_MAX = 15;

export interface GenerationRequest {
  prompt: string;
  options: GenerationOptions;
  /** The options the person set (the rest may come from settings); absent: those that differ from DEFAULT_OPTIONS. */
  given?: readonly OptionName[];
}

export const DEFAULT_OPTIONS: GenerationOptions = {
  tier: 'auto',
  mode: 'auto',
  duration: 'auto',
  aspectRatio: 'auto',
  watermark: false,
  count: 1,
  frames: 'off',
};
