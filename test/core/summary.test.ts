import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../../src/core/request.js';
import { settingsSummary } from '../../src/core/summary.js';

describe('settingsSummary', () => {
  it('says what the model was asked to make, not the defaults the person left alone', () => {
    const job = {
      request: { prompt: 'a fox', options: { ...DEFAULT_OPTIONS } },
      settings: { resolution: '720p', duration: 5, aspectRatio: '16:9' as const, audio: true, watermark: false, count: 2 },
    };
    expect(settingsSummary(job)).toBe('720p · 5 s · audio on · 16:9 · 2 videos');
  });

  it('falls back to the request for jobs saved before settings were kept', () => {
    const job = { request: { prompt: 'a fox', options: { ...DEFAULT_OPTIONS, duration: 'auto' as const, audio: false } } };
    expect(settingsSummary(job)).toBe('default resolution · length chosen by the model · no audio');
  });
});
