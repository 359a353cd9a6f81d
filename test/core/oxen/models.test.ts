import { afterEach, describe, expect, it } from 'vitest';
import { requestSchemaOf } from '../../../src/core/oxen/types.js';
import { SEEDANCE_MODELS, startFakeOxen, type FakeOxen, type FakeOxenOptions } from '../../fakes/oxen/index.js';
import { clientFor, oxenErrorOf } from './helpers.js';

let fake: FakeOxen | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: FakeOxenOptions = {}): Promise<FakeOxen> {
  fake = await startFakeOxen({ timing: 'manual', ...options });
  return fake;
}

describe('OxenClient.getModel', () => {
  it('serves the nine Seedance 2.0 models and the three 2.5 ones', () => {
    expect(SEEDANCE_MODELS.map((m) => m.id)).toEqual([
      'bytedance-seedance-2-0-text-to-video',
      'bytedance-seedance-2-0-image-to-video',
      'bytedance-seedance-2-0-reference-to-video',
      'bytedance-seedance-2-0-fast-text-to-video',
      'bytedance-seedance-2-0-fast-image-to-video',
      'bytedance-seedance-2-0-fast-reference-to-video',
      'bytedance-seedance-2-0-mini-text-to-video',
      'bytedance-seedance-2-0-mini-image-to-video',
      'bytedance-seedance-2-0-mini-reference-to-video',
      'bytedance-seedance-2-5-text-to-video',
      'bytedance-seedance-2-5-image-to-video',
      'bytedance-seedance-2-5-reference-to-video',
    ]);
  });

  it('reads the current dialect: integer duration, adaptive aspect, tier-specific resolutions, pricing', async () => {
    const client = clientFor(await start());
    const pro = await client.getModel('bytedance-seedance-2-0-reference-to-video');
    const schema = requestSchemaOf(pro);
    expect(schema?.properties.duration).toMatchObject({ type: 'integer', default: -1 });
    expect(schema?.properties.duration?.enum).toEqual([-1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(schema?.properties.aspect_ratio?.enum).toContain('adaptive');
    expect(schema?.properties.aspect_ratio?.default).toBe('16:9');
    expect(schema?.properties.generate_audio?.default).toBe(false);
    expect(schema?.properties.seed).toBeUndefined();
    expect(schema?.properties.resolution?.enum).toEqual(['480p', '720p', '1080p', '4k']);
    expect(schema?.properties.input_face_images).toMatchObject({ type: 'array', items: { type: 'string', format: 'uri' } });
    expect(pro.pricing).toMatchObject({ method: 'per_video_output_second' });
    expect(pro.pricing?.cost_per_second_by_resolution?.['720p']).toEqual(expect.any(Number));

    const fast = requestSchemaOf(await client.getModel('bytedance-seedance-2-0-fast-text-to-video'));
    expect(fast?.properties.resolution?.enum).toEqual(['480p', '720p']);
    expect(fast?.properties.input_images).toBeUndefined();

    const i2v = requestSchemaOf(await client.getModel('bytedance-seedance-2-0-mini-image-to-video'));
    expect(i2v?.required).toEqual(['prompt', 'input_image']);
    expect(Object.keys(i2v?.properties ?? {})).toEqual(
      expect.arrayContaining(['input_image', 'input_image_has_face', 'tail_image_url', 'tail_image_url_has_face']),
    );
  });

  it('reads the seed dialect: string duration with auto, audio on, seed', async () => {
    const client = clientFor(await start({ dialect: 'seed' }));
    const schema = requestSchemaOf(await client.getModel('bytedance-seedance-2-0-text-to-video'));
    expect(schema?.properties.duration).toMatchObject({ type: 'string', default: 'auto' });
    expect(schema?.properties.duration?.enum).toContain('15');
    expect(schema?.properties.aspect_ratio?.enum).toContain('auto');
    expect(schema?.properties.generate_audio?.default).toBe(true);
    expect(schema?.properties.seed).toMatchObject({ type: 'integer' });
    expect(schema?.properties.resolution?.enum).toEqual(['480p', '720p']);
  });

  it('finds the schema under json_request_schema too', async () => {
    const oxen = await start({ schemaField: 'json_request_schema' });
    const model = await clientFor(oxen).getModel('bytedance-seedance-2-0-text-to-video');
    expect(model.request_schema).toBeUndefined();
    expect(requestSchemaOf(model)?.properties.prompt).toMatchObject({ type: 'string' });
  });

  it('reports an unknown model as not_found', async () => {
    const error = await oxenErrorOf(clientFor(await start()).getModel('bytedance-seedance-1-0'));
    expect(error).toMatchObject({ code: 'not_found', detail: 'Model not found: bytedance-seedance-1-0' });
  });

  it('reports a failing models endpoint as server after retrying', async () => {
    const oxen = await start();
    oxen.switches.modelsFailing = true;
    const error = await oxenErrorOf(clientFor(oxen, { retry: { maxAttempts: 2 } }).getModel('bytedance-seedance-2-0-text-to-video'));
    expect(error).toMatchObject({ code: 'server', status: 500 });
    expect(oxen.requestsTo('getModel')).toHaveLength(2);
  });
});
