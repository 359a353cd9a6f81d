/**
 * A neutral request -> the JSON body one Seedance model takes, read off that model's
 * request_schema. Every problem is reported at once, before anything is hosted or spent.
 */
import type { RequestSchema } from '../oxen/types.js';
import type { AspectRatio, GenerationOptions } from '../request.js';
import type { ReferenceKind } from '../references/types.js';
import { fail, ok, type Problem, type Result } from '../result.js';
import type { CatalogEntry } from './catalog.js';
import { encodeAspectRatio, encodeDuration, encodeResolution, encodeSeed, encodeSwitch, type Encoded } from './encode.js';
import { checkValue, validateAgainstSchema } from './schema-validation.js';
import { FACE_FIELDS, faceTaken, FRAME_FACE_FLAGS, inLabelOrder, modelLabels, relabelPrompt } from '../references/faces.js';
import { checkCount, checkMedia } from './validate.js';

/** A reference as translation needs it: its kind and canonical label (@Image1, @Video2...). */
export interface MediaRef {
  kind: ReferenceKind;
  label: string;
  /** Shows a real person (`--face`): sent in the face field when the schema has one. */
  face?: boolean;
}

export interface HostedMedia extends MediaRef {
  /** Where Oxen can fetch it. */
  url: string;
}

export interface RequestToTranslate<M extends MediaRef> {
  model: CatalogEntry;
  schema: RequestSchema;
  /** Already rewritten to canonical labels (the person's: upload order); renumbered here for the model when faces move. */
  prompt: string;
  options: GenerationOptions;
  media: readonly M[];
}

/** What the model will be asked to make, in neutral terms: what cost estimation needs. */
export interface EffectiveSettings {
  /** undefined when the schema has no resolution. */
  resolution?: string;
  duration: 'auto' | number;
  aspectRatio: 'auto' | AspectRatio;
  audio: boolean;
  watermark: boolean;
  count: number;
  /** The seed sent, when the model takes one. */
  seed?: number;
}

export interface Translation {
  body: Record<string, unknown>;
  settings: EffectiveSettings;
}

/**
 * Everything translateRequest would refuse, decided before the references are hosted. URLs are
 * not known yet, so stand-ins are used; they never leave this function.
 */
export function checkRequest(request: RequestToTranslate<MediaRef>): Result<EffectiveSettings> {
  const media = request.media.map((m) => ({ ...m, url: `https://reference.invalid/${encodeURIComponent(m.label)}` }));
  const translated = translateRequest({ ...request, media });
  return translated.ok ? ok(translated.value.settings) : translated;
}

export function translateRequest(request: RequestToTranslate<HostedMedia>): Result<Translation> {
  const { model, schema, options } = request;
  const props = schema.properties;
  const problems: Problem[] = [...checkCount(options.count)];

  const body: Record<string, unknown> = { model: model.id, prompt: relabelPrompt(request.prompt, modelLabels(model.mode, schema, request.media)) };
  const take = <E>(name: string, encoded: Encoded<E>): E | undefined => {
    if (!encoded.ok) {
      problems.push(encoded.problem);
      return undefined;
    }
    if (encoded.send !== undefined) body[name] = encoded.send;
    return encoded.effective;
  };
  const resolution = take('resolution', encodeResolution(options.resolution, props['resolution']));
  const duration = take('duration', encodeDuration(options.duration, props['duration']));
  const aspectRatio = take('aspect_ratio', encodeAspectRatio(options.aspectRatio, props['aspect_ratio']));
  const audio = take('generate_audio', encodeSwitch('audio', options.audio, props['generate_audio']));
  const watermark = take('watermark', encodeSwitch('watermark', options.watermark, props['watermark']));
  // Today's 2.0 schema has no seed (older ones did): asking for one there is refused, not dropped.
  const seed = options.seed === undefined ? undefined : take('seed', encodeSeed(options.seed, props['seed'], model.displayName));
  // The delivery takes MP4: 2.5 also makes MOV, so its format is named rather than left to a default.
  if (props['output_format'] && checkValue('mp4', props['output_format']) === undefined) body['output_format'] = 'mp4';

  const mediaProblems = checkMedia(model, options.frames, request.media);
  problems.push(...mediaProblems);
  if (mediaProblems.length === 0) problems.push(...placeMedia(body, model, schema, options, request.media));

  body['num_generations'] = options.count;

  if (problems.length === 0) {
    // A safety net for live schemas with rules the encoders do not know (a new required field...).
    for (const v of validateAgainstSchema(body, schema)) {
      problems.push({ code: 'model.schema_mismatch', params: { property: v.property, reason: v.message } });
    }
  }
  if (problems.length > 0) return fail(...problems);
  return ok({
    body,
    // Object.assign, not a literal opening with a spread: kept with every job in flight, and
    // V8 (Node 20) gives each such object a hidden class of its own (about 400 bytes each).
    settings: Object.assign(resolution !== undefined ? { resolution } : {}, {
      duration: duration ?? options.duration,
      aspectRatio: aspectRatio ?? options.aspectRatio,
      audio: audio ?? false,
      watermark: watermark ?? false,
      count: options.count,
    }, seed !== undefined ? { seed } : undefined),
  });
}

const REFERENCE_FIELDS: Readonly<Record<ReferenceKind, string>> = {
  image: 'input_images',
  video: 'input_videos',
  audio: 'input_audios',
};

/** Puts the media URLs where the model's mode expects them; the mode's counts are already checked. */
function placeMedia(
  body: Record<string, unknown>,
  model: CatalogEntry,
  schema: RequestSchema,
  options: GenerationOptions,
  media: readonly HostedMedia[],
): Problem[] {
  const problems: Problem[] = [];
  const put = (field: string, value: string | string[], missing: Problem) => {
    if (schema.properties[field]) body[field] = value;
    else problems.push(missing);
  };

  if (model.mode === 'reference') {
    // Face media goes in its own field, first: the model numbers it before the rest of its kind
    // (the prompt was renumbered to match, see references/faces.ts).
    for (const kind of ['image', 'video', 'audio'] as const) {
      const ofKind = inLabelOrder(media.filter((m) => m.kind === kind));
      const faces = ofKind.filter((m) => faceTaken(model.mode, schema, m));
      const others = ofKind.filter((m) => !faces.includes(m));
      const faceField = FACE_FIELDS[kind];
      if (faces.length > 0 && faceField) body[faceField] = faces.map((m) => m.url);
      if (others.length === 0) continue;
      put(REFERENCE_FIELDS[kind], others.map((m) => m.url), { code: 'model.no_media_for_mode', params: { mode: model.mode, kind, count: others.length } });
    }
  }

  if (model.mode === 'image') {
    const [first, last] = inLabelOrder(media.filter((m) => m.kind === 'image'));
    if (first) put('input_image', first.url, { code: 'model.no_media_for_mode', params: { mode: model.mode, kind: 'image', count: 1 } });
    if (first && faceTaken(model.mode, schema, first, 'first')) body[FRAME_FACE_FLAGS.first] = true;
    if (last && options.frames === 'first-last') {
      put('tail_image_url', last.url, {
        code: 'model.unsupported_value',
        params: { option: 'frames', value: 'first-last', allowed: ['first'] },
      });
      if (faceTaken(model.mode, schema, last, 'last')) body[FRAME_FACE_FLAGS.last] = true;
    }
  }
  return problems;
}
