/**
 * Neutral option values -> the values one model's schema accepts. Each encoder tries the spellings
 * a dialect might use (duration -1 or "auto", 8 or "8"; aspect `adaptive` or `auto`) and keeps
 * the first one the schema's property accepts, so the schema, not a hard-coded dialect, decides.
 */
import type { SchemaProperty } from '../oxen/types.js';
import type { AspectRatio, Resolution } from '../request.js';
import type { Problem } from '../result.js';
import { checkValue, typesOf } from './schema-validation.js';

/** `send` undefined: leave the property out of the body. */
export type Encoded<E> = { ok: true; send?: unknown; effective: E } | { ok: false; problem: Problem };

/** Spellings of "let the model decide" across dialects. */
const AUTO_DURATIONS: readonly unknown[] = [-1, 'auto'];
const AUTO_ASPECTS: readonly string[] = ['adaptive', 'auto'];

export function encodeDuration(duration: 'auto' | number, property: SchemaProperty | undefined): Encoded<'auto' | number> {
  if (!property) {
    return duration === 'auto' ? { ok: true, effective: 'auto' } : { ok: false, problem: unsupportedOption('duration') };
  }
  const stringFirst = prefersString(property);
  if (duration === 'auto') {
    const send = firstAccepted(stringFirst ? ['auto', -1] : [-1, 'auto'], property);
    if (send !== undefined) return { ok: true, send, effective: 'auto' };
    // Auto has no spelling here; leaving the property out lets the model decide, which is only
    // what was asked when the model's default is itself auto (or unstated).
    if (property.default === undefined || AUTO_DURATIONS.includes(property.default)) return { ok: true, effective: 'auto' };
    return { ok: false, problem: unsupportedValue('duration', 'auto', allowedDurations(property)) };
  }
  const send = firstAccepted(stringFirst ? [String(duration), duration] : [duration, String(duration)], property);
  if (send !== undefined) return { ok: true, send, effective: duration };
  return { ok: false, problem: unsupportedValue('duration', duration, allowedDurations(property)) };
}

export function encodeAspectRatio(
  aspectRatio: 'auto' | AspectRatio,
  property: SchemaProperty | undefined,
): Encoded<'auto' | AspectRatio> {
  if (!property) {
    return aspectRatio === 'auto' ? { ok: true, effective: 'auto' } : { ok: false, problem: unsupportedOption('aspect_ratio') };
  }
  const send = firstAccepted(aspectRatio === 'auto' ? AUTO_ASPECTS : [aspectRatio], property);
  if (send !== undefined) return { ok: true, send, effective: aspectRatio };
  if (aspectRatio === 'auto' && property.default === undefined) return { ok: true, effective: 'auto' };
  const allowed = (property.enum ?? []).map((v) => (AUTO_ASPECTS.includes(String(v)) ? 'auto' : String(v)));
  return { ok: false, problem: unsupportedValue('aspect_ratio', aspectRatio, allowed) };
}

/** undefined: the schema's default, sent explicitly. `effective` is what the model will make. */
export function encodeResolution(
  resolution: Resolution | undefined,
  property: SchemaProperty | undefined,
): Encoded<string | undefined> {
  if (!property) {
    return resolution === undefined ? { ok: true, effective: undefined } : { ok: false, problem: unsupportedOption('resolution') };
  }
  if (resolution === undefined) {
    const fallback = typeof property.default === 'string' ? property.default : undefined;
    return { ok: true, send: fallback, effective: fallback };
  }
  if (firstAccepted([resolution], property) !== undefined) return { ok: true, send: resolution, effective: resolution };
  return { ok: false, problem: unsupportedValue('resolution', resolution, (property.enum ?? []).map(String)) };
}

/**
 * A switch (generate_audio, watermark). undefined: the schema's default, sent explicitly so the
 * body says what will be made (and cost estimation knows); false when there is no default.
 * Asking for it on a model without the switch is a problem; leaving it off is not.
 */
export function encodeSwitch(option: string, wanted: boolean | undefined, property: SchemaProperty | undefined): Encoded<boolean> {
  if (!property) return wanted ? { ok: false, problem: unsupportedOption(option) } : { ok: true, effective: false };
  const value = wanted ?? (typeof property.default === 'boolean' ? property.default : false);
  if (checkValue(value, property) === undefined) return { ok: true, send: value, effective: value };
  return { ok: false, problem: unsupportedValue(option, value ? 'on' : 'off', (property.enum ?? []).map((v) => (v ? 'on' : 'off'))) };
}

/** A seed, when the schema has one; a model without it is named, so the person knows why. */
export function encodeSeed(seed: number, property: SchemaProperty | undefined, model: string): Encoded<number> {
  if (!property) return { ok: false, problem: { code: 'model.unsupported_option', params: { option: 'seed', model } } };
  const send = firstAccepted([seed, String(seed)], property);
  if (send !== undefined) return { ok: true, send, effective: seed };
  return { ok: false, problem: { code: 'option.invalid_value', params: { option: 'seed', value: seed, allowed: [rangeOf(property)] } } };
}

const rangeOf = (property: SchemaProperty) => `${property.minimum ?? 0}-${property.maximum ?? 'any'}`;

function firstAccepted(candidates: readonly unknown[], property: SchemaProperty): unknown {
  return candidates.find((c) => checkValue(c, property) === undefined);
}

function prefersString(property: SchemaProperty): boolean {
  const types = typesOf(property);
  if (types.length > 0) return types[0] === 'string';
  return typeof property.default === 'string';
}

/** The durations a property takes, in the neutral vocabulary ('auto', seconds). */
export function allowedDurations(property: SchemaProperty): (string | number)[] {
  if (property.enum) {
    return property.enum.map((v) => (AUTO_DURATIONS.includes(v) ? 'auto' : Number(v))).filter((v) => v === 'auto' || Number.isFinite(v));
  }
  const allowed: (string | number)[] = [];
  if (property.minimum !== undefined && property.maximum !== undefined && property.maximum - property.minimum <= 60) {
    if (property.minimum <= -1) allowed.push('auto');
    for (let s = Math.max(1, Math.ceil(property.minimum)); s <= property.maximum; s++) allowed.push(s);
  }
  return allowed;
}

function unsupportedValue(option: string, value: string | number, allowed: readonly (string | number)[]): Problem {
  return { code: 'model.unsupported_value', params: { option, value, allowed } };
}

function unsupportedOption(option: string): Problem {
  return { code: 'model.unsupported_option', params: { option } };
}
