/**
 * References the model does not take, converted by the real FFmpeg (node-av) before anything is
 * spent: every file is made at test time by node-av itself and every result is probed. Files the
 * model takes pass byte for byte; what cannot be decoded is refused by name; without the binding
 * the references step refuses exactly as it did before conversion existed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createMediaConverter } from '../../../src/core/media/converter.js';
import { REFERENCE_LIMITS, MB } from '../../../src/core/references/limits.js';
import { prepareReferences } from '../../../src/core/references/prepare.js';
import { readWhole } from '../../../src/core/references/reference-bytes.js';
import type { IncomingAttachment } from '../../../src/core/references/types.js';
import { FIXTURES, probeBytes } from '../../helpers/media-fixtures.js';

const converter = createMediaConverter({ concurrency: 2, timeoutMs: 60_000 });
afterAll(() => converter.close());

const file = (name: string, bytes: Uint8Array, contentType?: string): IncomingAttachment => ({
  name,
  size: bytes.byteLength,
  ...(contentType ? { contentType } : {}),
  download: async () => bytes,
});

async function prepared(attachments: IncomingAttachment[], prompt: string, limits = REFERENCE_LIMITS) {
  const result = await prepareReferences(attachments, prompt, { converter, limits });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
}

describe('reference conversion', { timeout: 90_000 }, () => {
  it('a phone clip (HEVC MOV, rotation flag, 60 fps, over 720p) becomes an upright 720p H.264 MP4 at 30 fps with its sound', async () => {
    const clip = await FIXTURES.phoneClip(0.5);
    const { references, mapping } = await prepared([file('dance.mov', clip, 'video/quicktime'), file('tiny.mp4', await FIXTURES.tinyMp4())], '@dance.mov moves');
    const [video] = references;
    expect(video).toMatchObject({ kind: 'video', mime: 'video/mp4', extension: 'mp4' });
    const probe = await probeBytes(await readWhole(video!));
    expect(probe?.video).toMatchObject({ codec: 'h264', rotation: 0, width: 720, height: 1256 });
    expect(probe?.video?.fps).toBeCloseTo(30, 0);
    expect(probe?.audio?.codec).toBe('aac');
    expect(probe?.durationSec).toBeGreaterThan(0.4);
    expect(mapping[0]).toMatchObject({ label: '@Video1', name: 'dance.mov' });
    expect(mapping[0]!.note).toMatch(/^converted: 752p HEVC → 720p H\.264, [\d.]+ MB → [\d.]+ MB$/);
  });

  it('WebM, MKV, AVI and animated GIF clips become H.264 MP4; a clip under 480p is scaled up keeping its shape', async () => {
    const { references } = await prepared(
      [file('a.webm', await FIXTURES.webm()), file('b.mkv', await FIXTURES.mkv()), file('c.avi', await FIXTURES.avi())],
      'three clips',
    );
    for (const reference of references) {
      const probe = await probeBytes(await readWhole(reference!));
      expect(reference.mime).toBe('video/mp4');
      expect(probe?.video?.codec).toBe('h264');
      expect(Math.min(probe!.video!.width, probe!.video!.height)).toBe(480);
    }
    expect((await probeBytes(await readWhole(references[0]!)))?.video).toMatchObject({ width: 854, height: 480 });
    const small = await prepared([file('tiny.mp4', await FIXTURES.tinyMp4()), file('loop.gif', await FIXTURES.gif(2.5))], 'small');
    expect((await probeBytes(await readWhole(small.references[0]!)))?.video).toMatchObject({ codec: 'h264', width: 640, height: 480 });
    expect(small.references[1]).toMatchObject({ kind: 'video', mime: 'video/mp4' });
    expect(small.mapping[0]!.note).toMatch(/240p H\.264 → 480p H\.264/);
  });

  it('voice messages and phone audio (OGG/Opus, M4A, FLAC, WebM audio, a video given as audio) become MP3', async () => {
    const clip = await FIXTURES.sdMp4();
    const withSound = await FIXTURES.webm();
    const { references, mapping } = await prepared([file('clip.mp4', clip), file('voice.ogg', await FIXTURES.opus()), file('memo.m4a', await FIXTURES.m4a(), 'audio/mp4'), file('take.flac', await FIXTURES.flac())], '@clip.mp4 to @voice.ogg');
    const more = await prepared([file('clip.mp4', clip), file('song.webm', await FIXTURES.webmAudio(), 'audio/webm'), file('track.webm', withSound, 'audio/webm')], 'more');
    const audios = [...references, ...more.references].filter((r) => r.kind === 'audio');
    expect(audios.map((a) => a.name)).toEqual(['voice.ogg', 'memo.m4a', 'take.flac', 'song.webm', 'track.webm']);
    for (const audio of audios) {
      const probe = await probeBytes(await readWhole(audio!));
      expect(audio.mime).toBe('audio/mpeg');
      expect(probe?.audio?.codec).toMatch(/^mp3/);
      expect(probe?.video).toBeUndefined();
      expect(probe?.durationSec).toBeGreaterThan(1.5);
    }
    expect(mapping.find((m) => m.name === 'voice.ogg')?.note).toMatch(/converted: Opus → MP3/);
    // The clip the model takes as it is passes byte for byte, with no note.
    expect(Buffer.from(await readWhole(references[0]!)).equals(Buffer.from(clip))).toBe(true);
    expect(mapping[0]!.note).toBeUndefined();
  }, 120_000);

  it('AVIF, GIF, BMP and TIFF pictures become PNG or JPEG; a picture over the cap is re-encoded under it', async () => {
    const { references } = await prepared(
      [file('photo.avif', await FIXTURES.avif()), file('sticker.gif', await FIXTURES.gif(0.5)), file('scan.bmp', await FIXTURES.bmp()), file('page.tiff', await FIXTURES.tiff())],
      'pictures',
    );
    expect(references.map((r) => [r.kind, r.mime])).toEqual([
      ['image', 'image/jpeg'],
      ['image', 'image/png'],
      ['image', 'image/png'],
      ['image', 'image/png'],
    ]);
    for (const reference of references) expect((await probeBytes(await readWhole(reference!)))?.video?.width).toBe(reference.name === 'sticker.gif' ? 160 : 320);
    const tight = { ...REFERENCE_LIMITS, images: { ...REFERENCE_LIMITS.images, maxBytesEach: 8_000 } };
    const big = await prepared([file('scan.bmp', await FIXTURES.bmp())], 'tight', tight);
    expect(big.references[0]!.size).toBeLessThanOrEqual(8_000);
    expect((await probeBytes(await readWhole(big.references[0]!)))?.video?.codec).toMatch(/^(png|mjpeg)$/);
  });

  it('longer than the total: the first seconds that fit are used, and the note says so', async () => {
    const short = { ...REFERENCE_LIMITS, videos: { ...REFERENCE_LIMITS.videos, minSecondsTotal: 1, maxSecondsTotal: 3 } };
    const clip = await FIXTURES.sdMp4();
    const { references, mapping } = await prepared([file('one.mp4', clip), file('two.mp4', clip)], 'two', short);
    expect(Buffer.from(await readWhole(references[0]!)).equals(Buffer.from(clip))).toBe(true);
    const cut = await probeBytes(await readWhole(references[1]!));
    expect(cut?.durationSec).toBeGreaterThan(0.8);
    expect(cut?.durationSec).toBeLessThanOrEqual(1);
    expect(mapping[1]!.note).toBe('used the first 0.9 s');
  });

  it('a file FFmpeg cannot decode is refused by name, with the other files still checked; nothing else is converted', async () => {
    const broken = new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, ...new Array(400).fill(7)]);
    const result = await prepareReferences([file('broken.webm', broken), file('fine.avif', await FIXTURES.avif()), file('notes.txt', new TextEncoder().encode('hello'))], 'x', { converter });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.file, p.code])).toEqual([
      ['broken.webm', 'reference.unsupported_type'],
      ['notes.txt', 'reference.unsupported_type'],
    ]);
  });

  it('without the binding: conversion is off and the same files are refused as before', async () => {
    const off = createMediaConverter({ binding: async () => ({ available: false, reason: 'the FFmpeg binding (node-av) could not load: blocked' }) });
    expect(await off.unavailable()).toMatch(/could not load/);
    const result = await prepareReferences([file('photo.avif', await FIXTURES.avif()), file('voice.ogg', await FIXTURES.opus())], 'x', { converter: off });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.file, p.code])).toEqual([
      ['photo.avif', 'reference.unsupported_type'],
      ['voice.ogg', 'reference.unsupported_type'],
    ]);
  });

  it('declared sizes: with conversion on a 120 MB phone clip is downloaded (it may shrink); without, it is refused unread', async () => {
    const { checkDeclaredAttachments } = await import('../../../src/core/references/declared.js');
    const { largestReadableBytes } = await import('../../../src/core/references/load.js');
    const clip = { name: 'dance.mov', size: 120 * MB, download: async () => new Uint8Array() };
    expect(checkDeclaredAttachments([clip], REFERENCE_LIMITS, largestReadableBytes(REFERENCE_LIMITS, true))).toEqual([]);
    expect(checkDeclaredAttachments([clip], REFERENCE_LIMITS, largestReadableBytes(REFERENCE_LIMITS, false)).map((p) => p.code)).toEqual(['reference.file_too_large']);
  });
});

describe('a request refused for another file', { timeout: 60_000 }, () => {
  it('converts nothing, and does not blame the files conversion would have fixed', async () => {
    const long = { ...REFERENCE_LIMITS, videos: { ...REFERENCE_LIMITS.videos, minSecondsTotal: 1, maxSecondsTotal: 3, totalBytesUnder: 200_000 } };
    const clip = await FIXTURES.sdMp4();
    const result = await prepareReferences([file('one.mp4', clip), file('two.mp4', clip), file('notes.txt', new TextEncoder().encode('hello'))], 'x', { converter, limits: long });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.file, p.code])).toEqual([['notes.txt', 'reference.unsupported_type']]);
  });
});

describe('the time limit per file', { timeout: 60_000 }, () => {
  it('a conversion over it is stopped and refused by name, saying it took too long', async () => {
    const hurried = createMediaConverter({ concurrency: 1, timeoutMs: 30 });
    try {
      const result = await prepareReferences([file('dance.mov', await FIXTURES.phoneClip(0.5)), file('walk.mp4', await FIXTURES.sdMp4())], 'x', { converter: hurried });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problems).toMatchObject([{ file: 'dance.mov', code: 'reference.conversion_failed', params: { reason: 'timeout' } }]);
      const { describeProblems } = await import('../../../src/core/messages.js');
      expect(describeProblems(result.problems)).toContain('`dance.mov` took too long to convert');
    } finally {
      hurried.close();
    }
  });
});
