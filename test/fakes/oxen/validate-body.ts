/**
 * The fake's run-time check of a queued body against the model's request_schema, as Oxen does it
 * when the job runs (not at enqueue): the first problem becomes the generation's error_message.
 * Unknown parameters are passed through and ignored, as the docs describe.
 */
import type { RequestSchema, SchemaProperty } from '../../../src/core/oxen/types.js';
import { REFERENCE_CAPS, REFERENCE_CAPS_2_5, type SchemaDialect } from './schemas.js';

/** Queue-level fields that are not model parameters. */
const QUEUE_FIELDS = new Set(['model', 'num_generations', 'target_namespace', 'target_repo', 'target_directory']);

export function findInvalidParameter(body: Record<string, unknown>, schema: RequestSchema, dialect: SchemaDialect, is2_5 = false): string | undefined {
  for (const name of schema.required ?? []) {
    if (body[name] === undefined || body[name] === null || body[name] === '') return `${name}: field required`;
  }
  for (const [name, value] of Object.entries(body)) {
    if (QUEUE_FIELDS.has(name) || value === null || value === undefined) continue;
    const property = schema.properties[name];
    if (!property) continue;
    const problem = checkValue(value, property);
    if (problem) return `${name}: ${problem}`;
  }
  return checkReferenceCounts(body, dialect, is2_5);
}

function checkValue(value: unknown, property: SchemaProperty): string | undefined {
  const types = property.type === undefined ? [] : Array.isArray(property.type) ? property.type : [property.type];
  if (types.length > 0 && !types.some((type) => hasType(value, type))) {
    return `${JSON.stringify(value)} is not of type ${types.join(' or ')}`;
  }
  if (property.enum && !property.enum.some((allowed) => allowed === value)) {
    return `${JSON.stringify(value)} is not one of ${property.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (typeof value === 'number') {
    if (property.minimum !== undefined && value < property.minimum) return `${value} is less than ${property.minimum}`;
    if (property.maximum !== undefined && value > property.maximum) return `${value} is greater than ${property.maximum}`;
  }
  if (property.format === 'uri' && typeof value === 'string' && !isFetchableUri(value)) return `${JSON.stringify(value)} is not a valid URL`;
  if (Array.isArray(value) && property.items) {
    for (const item of value) {
      const problem = checkValue(item, property.items);
      if (problem) return `item ${problem}`;
    }
  }
  return undefined;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'null':
      return value === null;
    default:
      return true;
  }
}

function isFetchableUri(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const protocol = new URL(value).protocol;
  return protocol === 'http:' || protocol === 'https:' || protocol === 'data:';
}

function checkReferenceCounts(body: Record<string, unknown>, dialect: SchemaDialect, is2_5: boolean): string | undefined {
  const count = (name: string) => (Array.isArray(body[name]) ? (body[name] as unknown[]).length : 0);
  const images = count('input_images') + count('input_face_images');
  const videos = count('input_videos') + count('input_face_videos');
  const audios = count('input_audios');
  const total = images + videos + audios;
  const maxTotal = is2_5 ? REFERENCE_CAPS_2_5.total : dialect === 'current' ? REFERENCE_CAPS.totalCurrent : REFERENCE_CAPS.totalSeed;
  const caps = is2_5 ? REFERENCE_CAPS_2_5 : REFERENCE_CAPS;
  if (images > caps.images) return `input_images: at most ${caps.images} images are allowed, got ${images}`;
  if (videos > caps.videos) return `input_videos: at most ${caps.videos} videos are allowed, got ${videos}`;
  if (audios > caps.audios) return `input_audios: at most ${caps.audios} audios are allowed, got ${audios}`;
  if (total > maxTotal) return `at most ${maxTotal} reference files are allowed in total, got ${total}`;
  if (audios > 0 && images + videos === 0) return 'input_audios: reference audio requires at least one reference image or video';
  return undefined;
}
