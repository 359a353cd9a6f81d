import { describe, expect, it } from 'vitest';
import { estimateCost, estimateCostOf } from '../../../src/core/models/cost.js';
import type { Pricing } from '../../../src/core/oxen/types.js';

const byResolution: Pricing = { method: 'per_video_output_second', cost_per_second_by_resolution: { '480p': 0.096, '720p': 0.2 } };

describe('estimateCost', () => {
  it.each([
    { name: 'auto counts as 15 s', input: { pricing: byResolution, resolution: '720p', audio: false, duration: 'auto' as const, count: 1 }, expected: { videoSeconds: 15, usd: 3 } },
    { name: 'auto, two generations', input: { pricing: byResolution, resolution: '480p', audio: false, duration: 'auto' as const, count: 2 }, expected: { videoSeconds: 30, usd: 2.88 } },
    { name: 'fixed 8 s at 480p', input: { pricing: byResolution, resolution: '480p', audio: true, duration: 8, count: 1 }, expected: { videoSeconds: 8, usd: 0.768 } },
    { name: 'unknown pricing', input: { resolution: '720p', audio: false, duration: 5, count: 3 }, expected: { videoSeconds: 15 } },
    { name: 'pricing without any rate', input: { pricing: { method: 'per_video_output_second' }, audio: false, duration: 5, count: 1 }, expected: { videoSeconds: 5 } },
    { name: 'flat rate', input: { pricing: { cost_per_second: 0.1 }, resolution: '720p', audio: false, duration: 10, count: 1 }, expected: { videoSeconds: 10, usd: 1 } },
    {
      name: 'audio rate when audio is on',
      input: { pricing: { cost_per_second: 0.1, cost_per_second_with_audio: 0.15 }, audio: true, duration: 4, count: 1 },
      expected: { videoSeconds: 4, usd: 0.6 },
    },
    {
      name: 'base rate when audio is off',
      input: { pricing: { cost_per_second: 0.1, cost_per_second_with_audio: 0.15 }, audio: false, duration: 4, count: 1 },
      expected: { videoSeconds: 4, usd: 0.4 },
    },
    {
      name: 'high-res rate for 4k not in the table',
      input: { pricing: { ...byResolution, cost_per_second_high_res: 0.5 }, resolution: '4k', audio: false, duration: 4, count: 1 },
      expected: { videoSeconds: 4, usd: 2 },
    },
    {
      name: 'an unlisted resolution errs high',
      input: { pricing: { ...byResolution, cost_per_second: 0.05 }, resolution: '1080p', audio: false, duration: 10, count: 1 },
      expected: { videoSeconds: 10, usd: 2 },
    },
  ])('$name', ({ input, expected }) => {
    expect(estimateCost(input)).toEqual(expected);
  });

  it('reads effective settings', () => {
    const settings = { resolution: '720p', duration: 'auto' as const, aspectRatio: 'auto' as const, audio: false, watermark: false, count: 4 };
    expect(estimateCostOf(settings, byResolution)).toEqual({ videoSeconds: 60, usd: 12 });
    expect(estimateCostOf(settings, null)).toEqual({ videoSeconds: 60 });
  });
});
