import { describe, expect, it } from 'vitest';
import { modelFor } from '../../../src/core/models/catalog.js';
import { ModelSchemas, type FallbackReason, type ModelSchemaSource } from '../../../src/core/models/schemas.js';
import type { OxenModel } from '../../../src/core/oxen/types.js';
import { seedProTextToVideo } from './seed-schemas.js';

const proT2V = modelFor('pro', 'text');
const HOUR = 60 * 60 * 1000;

/** A source whose answers the test decides, counting calls. */
class ScriptedSource implements ModelSchemaSource {
  calls = 0;
  constructor(public answer: () => Promise<OxenModel>) {}
  getModel(id: string): Promise<OxenModel> {
    this.calls++;
    expect(id).toBe(proT2V.id);
    return this.answer();
  }
}

function setUp(answer: () => Promise<OxenModel>) {
  let now = 1_000_000;
  const source = new ScriptedSource(answer);
  const fallbacks: FallbackReason[] = [];
  const schemas = new ModelSchemas(source, {
    ttlMs: HOUR,
    retryAfterMs: 60_000,
    now: () => now,
    onFallback: (_id, reason) => fallbacks.push(reason),
  });
  return { source, schemas, fallbacks, advance: (ms: number) => (now += ms) };
}

const live = (extra: Partial<OxenModel> = {}): OxenModel => ({ id: proT2V.id, request_schema: seedProTextToVideo, ...extra });
const unreachable = () => Promise.reject(new Error('connect ECONNREFUSED'));

describe('ModelSchemas', () => {
  it('uses the live request_schema and pricing', async () => {
    const pricing = { method: 'per_video_output_second', cost_per_second_by_resolution: { '720p': 0.2 } };
    const { schemas } = setUp(async () => live({ pricing }));
    const got = await schemas.get(proT2V);
    expect(got).toMatchObject({ modelId: proT2V.id, source: 'live', schema: seedProTextToVideo, pricing });
    expect(got.fallbackReason).toBeUndefined();
  });

  it('accepts json_request_schema when request_schema is absent', async () => {
    const { schemas } = setUp(async () => ({ id: proT2V.id, request_schema: null, json_request_schema: seedProTextToVideo }));
    expect(await schemas.get(proT2V)).toMatchObject({ source: 'live', schema: seedProTextToVideo });
  });

  it.each([
    { name: 'the endpoint cannot be reached', answer: unreachable, reason: 'unreachable' },
    { name: 'the model has no schema', answer: async () => ({ id: proT2V.id }), reason: 'no_schema' },
    { name: 'the schema has no properties', answer: async () => live({ request_schema: { required: ['prompt'] } as never }), reason: 'invalid_schema' },
    { name: 'the schema has no prompt', answer: async () => live({ request_schema: { properties: { seed: { type: 'integer' } } } }), reason: 'invalid_schema' },
  ])('falls back to the built-in schema when $name, and says so', async ({ answer, reason }) => {
    const { schemas, fallbacks } = setUp(answer);
    const got = await schemas.get(proT2V);
    expect(got).toMatchObject({ source: 'fallback', fallbackReason: reason, schema: proT2V.fallbackSchema });
    expect(fallbacks).toEqual([reason]);
  });

  it('keeps the pricing of a model whose schema is unusable', async () => {
    const { schemas } = setUp(async () => ({ id: proT2V.id, pricing: { cost_per_second: 0.1 } }));
    expect(await schemas.get(proT2V)).toMatchObject({ source: 'fallback', pricing: { cost_per_second: 0.1 } });
  });

  it('does not hammer a down endpoint: the fallback is remembered for a minute', async () => {
    const { schemas, source, advance } = setUp(unreachable);
    await schemas.get(proT2V);
    advance(59_000);
    await schemas.get(proT2V);
    expect(source.calls).toBe(1);
    source.answer = async () => live();
    advance(2_000);
    expect((await schemas.get(proT2V)).source).toBe('live');
    expect(source.calls).toBe(2);
  });

  it('trusts a live schema for the TTL, then asks again', async () => {
    const { schemas, source, advance } = setUp(async () => live());
    await schemas.get(proT2V);
    advance(HOUR - 1);
    await schemas.get(proT2V);
    expect(source.calls).toBe(1);
    advance(1);
    await schemas.get(proT2V);
    expect(source.calls).toBe(2);
  });

  it('keeps an aged live schema, marked stale, when refreshing it fails', async () => {
    const { schemas, source, advance } = setUp(async () => live());
    await schemas.get(proT2V);
    source.answer = unreachable;
    advance(HOUR);
    expect(await schemas.get(proT2V)).toMatchObject({ source: 'live', stale: true, schema: seedProTextToVideo });
  });

  it('shares one in-flight fetch between concurrent callers', async () => {
    const waiting: ((model: OxenModel) => void)[] = [];
    const { schemas, source } = setUp(() => new Promise((resolve) => waiting.push(resolve)));
    const first = schemas.get(proT2V);
    const second = schemas.get(proT2V);
    for (const release of waiting) release(live());
    const [a, b] = await Promise.all([first, second]);
    expect(source.calls).toBe(1);
    expect(a).toBe(b);
    await schemas.get(proT2V);
    expect(source.calls).toBe(1);
  });

  it('asks again after clear()', async () => {
    const { schemas, source } = setUp(async () => live());
    await schemas.get(proT2V);
    schemas.clear(proT2V.id);
    await schemas.get(proT2V);
    expect(source.calls).toBe(2);
  });
});
