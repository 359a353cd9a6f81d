/**
 * Checks a request body against a model's request_schema (the small JSON Schema subset Oxen
 * uses). Free of dependencies so that the fake Oxen server can fail bad parameters with it too.
 */
import type { RequestSchema, SchemaProperty } from '../oxen/types.js';

export type ViolationKind = 'missing' | 'unexpected' | 'type' | 'enum' | 'range' | 'format' | 'items';

export interface SchemaViolation {
  property: string;
  kind: ViolationKind;
  message: string;
}

/** Queue-level fields Oxen takes besides the model's own parameters. */
export const QUEUE_FIELDS: readonly string[] = ['model', 'num_generations', 'target_namespace', 'target_repo', 'target_directory'];

export interface ValidateOptions {
  /** Fields accepted without being in the schema; QUEUE_FIELDS unless given. */
  extraFields?: readonly string[];
}

/** Every way `body` breaks `schema`; empty when it is valid. Never throws. */
export function validateAgainstSchema(
  body: Readonly<Record<string, unknown>>,
  schema: RequestSchema,
  options: ValidateOptions = {},
): SchemaViolation[] {
  const extra = new Set(options.extraFields ?? QUEUE_FIELDS);
  const violations: SchemaViolation[] = [];
  for (const name of schema.required ?? []) {
    if (body[name] === undefined) violations.push({ property: name, kind: 'missing', message: `${name} is required` });
  }
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue;
    const property = schema.properties[name];
    if (!property) {
      if (!extra.has(name)) violations.push({ property: name, kind: 'unexpected', message: `${name} is not a parameter of this model` });
      continue;
    }
    const found = checkValue(value, property);
    if (found) violations.push({ property: name, kind: found.kind, message: `${name} ${found.message}` });
  }
  return violations;
}

/** Why `value` does not fit `property`, or undefined when it does. */
export function checkValue(value: unknown, property: SchemaProperty): { kind: ViolationKind; message: string } | undefined {
  const branches = [...(property.anyOf ?? []), ...(property.oneOf ?? [])].map(asProperty);
  if (branches.length > 0 && !branches.some((b) => checkValue(value, b) === undefined)) {
    return { kind: 'type', message: 'matches none of the allowed forms' };
  }
  const types = typesOf(property);
  if (types.length > 0 && !types.some((t) => hasType(value, t))) {
    return { kind: 'type', message: `must be of type ${types.join(' or ')}` };
  }
  if (property.enum && !property.enum.some((allowed) => sameValue(allowed, value))) {
    return { kind: 'enum', message: `must be one of ${property.enum.map((v) => JSON.stringify(v)).join(', ')}` };
  }
  if (typeof value === 'number') {
    if (property.minimum !== undefined && value < property.minimum) return { kind: 'range', message: `must be at least ${property.minimum}` };
    if (property.maximum !== undefined && value > property.maximum) return { kind: 'range', message: `must be at most ${property.maximum}` };
  }
  if (typeof value === 'string' && property.format === 'uri' && !isUri(value)) {
    return { kind: 'format', message: 'must be a URL' };
  }
  if (Array.isArray(value)) {
    const maxItems = numberField(property, 'maxItems');
    const minItems = numberField(property, 'minItems');
    if (maxItems !== undefined && value.length > maxItems) return { kind: 'items', message: `must have at most ${maxItems} items` };
    if (minItems !== undefined && value.length < minItems) return { kind: 'items', message: `must have at least ${minItems} items` };
    const items = property.items ? asProperty(property.items) : undefined;
    if (items) {
      for (const [i, item] of value.entries()) {
        const found = checkValue(item, items);
        if (found) return { kind: 'items', message: `item ${i + 1} ${found.message}` };
      }
    }
  }
  return undefined;
}

/** The JSON types a property declares; none means any. */
export function typesOf(property: SchemaProperty): string[] {
  if (Array.isArray(property.type)) return property.type;
  if (typeof property.type === 'string') return [property.type];
  return [];
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
      return true; // a type this checker does not know is not held against the value
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b);
}

function isUri(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(value) && URL.canParse(value);
}

function numberField(property: SchemaProperty, name: string): number | undefined {
  const value = property[name];
  return typeof value === 'number' ? value : undefined;
}

/** Reads the fields this checker uses from a nested schema object (anyOf branch, items). */
function asProperty(raw: Readonly<Record<string, unknown>>): SchemaProperty {
  const property: SchemaProperty = { ...raw };
  const { type, enum: allowed, minimum, maximum, format, items, anyOf, oneOf } = raw;
  property.type = typeof type === 'string' || (Array.isArray(type) && type.every((t) => typeof t === 'string')) ? type : undefined;
  property.enum = Array.isArray(allowed) ? allowed : undefined;
  property.minimum = typeof minimum === 'number' ? minimum : undefined;
  property.maximum = typeof maximum === 'number' ? maximum : undefined;
  property.format = typeof format === 'string' ? format : undefined;
  property.items = isRecord(items) ? { ...items, type: typeof items['type'] === 'string' ? items['type'] : undefined } : undefined;
  property.anyOf = Array.isArray(anyOf) ? anyOf.filter(isRecord) : undefined;
  property.oneOf = Array.isArray(oneOf) ? oneOf.filter(isRecord) : undefined;
  return property;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
