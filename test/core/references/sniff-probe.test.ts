import { describe, expect, it } from 'vitest';
import { readMovieDurationSec } from '../../../src/core/references/mp4-duration.js';
import { probeDurationSec } from '../../../src/core/references/probe.js';
import { sniffMedia } from '../../../src/core/references/sniff.js';
import { fixture, paddedMovie } from './helpers.js';

describe('sniffMedia', () => {
  it.each([
    ['cat.png', 'image', 'image/png', 'png'],
    ['dog.jpg', 'image', 'image/jpeg', 'jpg'],
    ['bird.webp', 'image', 'image/webp', 'webp'],
    ['clip1s.mp4', 'video', 'video/mp4', 'mp4'],
    ['clip2s.mov', 'video', 'video/quicktime', 'mov'],
    ['tone2s.mp3', 'audio', 'audio/mpeg', 'mp3'],
    ['tone2s.wav', 'audio', 'audio/wav', 'wav'],
  ])('accepts %s as %s (%s)', async (file, kind, mime, extension) => {
    expect(await sniffMedia(fixture(file))).toMatchObject({ accepted: true, kind, mime, extension });
  });

  it.each([
    ['pic.gif', 'gif'],
    ['clip2s.mkv', 'mkv'],
  ])('refuses %s, saying what it is', async (file, extension) => {
    expect(await sniffMedia(fixture(file))).toEqual({ accepted: false, detected: expect.objectContaining({ extension }) });
  });

  it('refuses text pretending to be a PNG, and empty files', async () => {
    expect(await sniffMedia(fixture('notes.png'))).toEqual({ accepted: false });
    expect(await sniffMedia(new Uint8Array(0))).toEqual({ accepted: false });
  });
});

describe('probeDurationSec', () => {
  it.each([
    ['clip1s.mp4', 'video', 'video/mp4', 1],
    ['clip3s.mp4', 'video', 'video/mp4', 3],
    ['clip6s.mp4', 'video', 'video/mp4', 6],
    ['clip2s.mov', 'video', 'video/quicktime', 2],
    ['tone2s.wav', 'audio', 'audio/wav', 2],
    ['tone2s.mp3', 'audio', 'audio/mpeg', 2.16],
    ['tone6s.mp3', 'audio', 'audio/mpeg', 6.192],
  ] as const)('reads %s as %s s', async (file, kind, mime, seconds) => {
    expect(await probeDurationSec(fixture(file), kind, mime)).toBeCloseTo(seconds, 2);
  });

  it('gives no duration for images', async () => {
    expect(await probeDurationSec(fixture('cat.png'), 'image', 'image/png')).toBeUndefined();
  });

  it('gives undefined, not a throw, for a cut-off video or audio', async () => {
    expect(await probeDurationSec(fixture('clip3s.mp4').subarray(0, 60), 'video', 'video/mp4')).toBeUndefined();
    expect(await probeDurationSec(fixture('tone2s.wav').subarray(0, 20), 'audio', 'audio/wav')).toBeUndefined();
  });

  it('reads the movie header of a silent clip even behind padding', () => {
    // music-metadata reports no duration for MP4s without an audio track; the mvhd reader does.
    expect(readMovieDurationSec(paddedMovie(fixture('clip6s.mp4'), 100_000))).toBe(6);
    expect(readMovieDurationSec(fixture('cat.png'))).toBeUndefined();
  });
});
