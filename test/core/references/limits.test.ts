import { describe, expect, it } from 'vitest';
import { checkReferenceLimits, largestAllowedFileBytes, MB, REFERENCE_LIMITS, type MediaFacts } from '../../../src/core/references/limits.js';

const image = (name: string, size = 1_000): MediaFacts => ({ name, kind: 'image', size });
const video = (name: string, durationSec: number, size = 1_000): MediaFacts => ({ name, kind: 'video', size, durationSec });
const audio = (name: string, durationSec: number, size = 1_000): MediaFacts => ({ name, kind: 'audio', size, durationSec });
const codes = (media: MediaFacts[]) => checkReferenceLimits(media).map((p) => p.code);

describe('REFERENCE_LIMITS', () => {
  it('uses decimal megabytes and a total cap of 12 files', () => {
    expect(MB).toBe(1_000_000);
    expect(REFERENCE_LIMITS.images.maxBytesEach).toBe(30_000_000);
    expect(REFERENCE_LIMITS.maxFiles).toBe(12);
    expect(largestAllowedFileBytes()).toBe(50_000_000 - 1);
    expect(Object.isFrozen(REFERENCE_LIMITS.videos)).toBe(true);
  });
});

describe('checkReferenceLimits at the boundaries', () => {
  it('accepts everything exactly at its limit', () => {
    const media = [
      ...Array.from({ length: 7 }, (_, i) => image(`i${i}.png`)),
      image('big.png', 30 * MB),
      video('a.mp4', 5.1, 20 * MB),
      video('b.mp4', 9.9, 30 * MB - 1),
      audio('a.mp3', 7.5, 15 * MB),
      audio('b.mp3', 7.5),
    ];
    expect(media).toHaveLength(12);
    expect(checkReferenceLimits(media)).toEqual([]);
    expect(checkReferenceLimits(Array.from({ length: 9 }, (_, i) => image(`i${i}.png`)))).toEqual([]);
    expect(checkReferenceLimits([video('a.mp4', 1), video('b.mp4', 1), video('c.mp4', 1)])).toEqual([]);
  });

  it('images: 31 MB is too large, with the numbers', () => {
    expect(checkReferenceLimits([image('big.png', 31 * MB)])).toEqual([
      { code: 'reference.image_too_large', file: 'big.png', params: { bytes: 31 * MB, maxBytes: 30 * MB, sizeMB: 31, maxMB: 30 } },
    ]);
    expect(codes([image('a.png', 30 * MB + 1)])).toEqual(['reference.image_too_large']);
  });

  it('videos: exactly 50 MB together is not under 50 MB', () => {
    expect(codes([video('a.mp4', 3, 25 * MB), video('b.mp4', 3, 25 * MB)])).toEqual(['reference.videos_too_large']);
  });

  it('videos: 2 s together is enough, 1.999 s is not; 15.001 s is too long', () => {
    expect(codes([video('a.mp4', 1), video('b.mp4', 1)])).toEqual([]);
    expect(codes([video('a.mp4', 1.999)])).toEqual(['reference.videos_too_short']);
    expect(codes([video('a.mp4', 15.001)])).toEqual(['reference.videos_too_long']);
  });

  it('audio: 15 s together is fine, more is not; 15 MB each is fine, more is not', () => {
    expect(codes([image('a.png'), audio('a.wav', 15)])).toEqual([]);
    expect(codes([image('a.png'), audio('a.wav', 10), audio('b.wav', 5.001)])).toEqual(['reference.audios_too_long']);
    expect(codes([image('a.png'), audio('a.wav', 1, 15 * MB + 1)])).toEqual(['reference.audio_too_large']);
  });

  it('audio with only a video is fine', () => {
    expect(codes([video('a.mp4', 3), audio('a.wav', 3)])).toEqual([]);
  });

  it('skips the minimums when some files could not be downloaded, but not the maximums', () => {
    const media = [audio('a.wav', 20), video('short.mp4', 1)];
    expect(checkReferenceLimits([audio('a.wav', 3)], REFERENCE_LIMITS, { incomplete: true })).toEqual([]);
    expect(checkReferenceLimits(media, REFERENCE_LIMITS, { incomplete: true }).map((p) => p.code)).toEqual(['reference.audios_too_long']);
  });

  it('follows custom limits', () => {
    const limits = { ...REFERENCE_LIMITS, maxFiles: 15 };
    const media = [...Array.from({ length: 9 }, (_, i) => image(`${i}.png`)), video('a.mp4', 1), video('b.mp4', 1), video('c.mp4', 1), audio('a.wav', 1), audio('b.wav', 1), audio('c.wav', 1)];
    expect(checkReferenceLimits(media, limits)).toEqual([]);
    expect(checkReferenceLimits(media).map((p) => p.code)).toEqual(['reference.too_many_files']);
  });
});
