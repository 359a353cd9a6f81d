import { describe, expect, it } from 'vitest';
import { validateAgainstSchema } from '../../../src/core/models/schema-validation.js';
import { modelFor } from '../../../src/core/models/catalog.js';
import type { RequestSchema } from '../../../src/core/oxen/types.js';
import { seedProReferenceToVideo } from './seed-schemas.js';

const r2v = modelFor('pro', 'reference').fallbackSchema;
const valid = { model: 'm', num_generations: 1, prompt: 'x', duration: 8, aspect_ratio: 'adaptive', input_images: ['https://a.example/1.png'] };

describe('validateAgainstSchema', () => {
  it('accepts a valid body with the queue fields', () => {
    expect(validateAgainstSchema(valid, r2v)).toEqual([]);
  });

  it.each([
    { name: 'missing prompt', body: { duration: 8 }, property: 'prompt', kind: 'missing' },
    { name: 'unknown parameter', body: { prompt: 'x', seed: 3 }, property: 'seed', kind: 'unexpected' },
    { name: 'string duration in the integer dialect', body: { prompt: 'x', duration: '8' }, property: 'duration', kind: 'type' },
    { name: 'integer duration in the string dialect', body: { prompt: 'x', duration: 8 }, property: 'duration', kind: 'type', schema: seedProReferenceToVideo },
    { name: 'duration 3', body: { prompt: 'x', duration: 3 }, property: 'duration', kind: 'enum' },
    { name: 'aspect auto today', body: { prompt: 'x', aspect_ratio: 'auto' }, property: 'aspect_ratio', kind: 'enum' },
    { name: 'a non-URL reference', body: { prompt: 'x', input_images: ['cat.png'] }, property: 'input_images', kind: 'items' },
    { name: 'a URL where a list belongs', body: { prompt: 'x', input_images: 'https://a.example/1.png' }, property: 'input_images', kind: 'type' },
    { name: 'audio as a string', body: { prompt: 'x', generate_audio: 'true' }, property: 'generate_audio', kind: 'type' },
  ])('finds $name', ({ body, property, kind, schema }) => {
    const violations = validateAgainstSchema(body, schema ?? r2v);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ property, kind });
    expect(violations[0]?.message).toMatch(new RegExp(`^${property} `));
  });

  it('checks ranges, item counts and alternatives', () => {
    const schema: RequestSchema = {
      properties: {
        n: { type: 'integer', minimum: 1, maximum: 4 },
        list: { type: 'array', items: { type: 'string' }, maxItems: 2 },
        either: { anyOf: [{ type: 'integer' }, { type: 'string', enum: ['auto'] }] },
      },
    };
    expect(validateAgainstSchema({ n: 2, list: ['a'], either: 'auto' }, schema)).toEqual([]);
    expect(validateAgainstSchema({ either: 5 }, schema)).toEqual([]);
    expect(validateAgainstSchema({ n: 5, list: ['a', 'b', 'c'], either: 'soon' }, schema).map((v) => [v.property, v.kind])).toEqual([
      ['n', 'range'],
      ['list', 'items'],
      ['either', 'type'],
    ]);
  });

  it('takes the fields to let through', () => {
    expect(validateAgainstSchema({ prompt: 'x', model: 'm' }, r2v, { extraFields: [] }).map((v) => v.property)).toEqual(['model']);
  });
});
