import { describe, expect, it } from 'vitest';
import { prepareReferences } from '../../../src/core/references/prepare.js';
import { readWhole } from '../../../src/core/references/reference-bytes.js';
import { MB } from '../../../src/core/references/limits.js';
import type { Problem } from '../../../src/core/result.js';
import type { IncomingAttachment } from '../../../src/core/references/types.js';
import { attachmentOf, fixture, paddedMovie, paddedTo, upload, uploads } from './helpers.js';

async function problemsOf(attachments: IncomingAttachment[], prompt = 'a video'): Promise<Problem[]> {
  const result = await prepareReferences(attachments, prompt);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

async function prepared(attachments: IncomingAttachment[], prompt = 'a video') {
  const result = await prepareReferences(attachments, prompt);
  if (!result.ok) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result.value;
}

const failing = (name: string): IncomingAttachment => ({ name, download: () => Promise.reject(new Error('ECONNRESET')) });

describe('prepareReferences: loading', () => {
  it('labels files in upload order within each kind, with durations and positions', async () => {
    const value = await prepared(
      [upload('tone2s.wav'), upload('dog.jpg'), upload('clip3s.mp4'), upload('cat.png'), upload('clip2s.mov'), upload('bird.webp')],
      '@cat.png runs after @dog to @tone2s, like @clip3s',
    );
    expect(value.references.map((r) => [r.name, r.label, r.index, r.position])).toEqual([
      ['tone2s.wav', '@Audio1', 1, 1],
      ['dog.jpg', '@Image1', 1, 2],
      ['clip3s.mp4', '@Video1', 1, 3],
      ['cat.png', '@Image2', 2, 4],
      ['clip2s.mov', '@Video2', 2, 5],
      ['bird.webp', '@Image3', 3, 6],
    ]);
    expect(value.references.map((r) => r.durationSec)).toEqual([2, undefined, 3, undefined, 2, undefined]);
    expect(await readWhole(value.references[1]!)).toEqual(fixture('dog.jpg'));
    expect(value.prompt).toBe('@Image2 runs after @Image1 to @Audio1, like @Video1');
    expect(value.mapping.map((m) => `${m.name} → ${m.label}`)).toEqual([
      'tone2s.wav → @Audio1',
      'dog.jpg → @Image1',
      'clip3s.mp4 → @Video1',
      'cat.png → @Image2',
      'clip2s.mov → @Video2',
      'bird.webp → @Image3',
    ]);
  });

  it('downloads each attachment exactly once', async () => {
    const attachments = [upload('cat.png'), upload('clip3s.mp4'), upload('tone2s.mp3')];
    await prepared(attachments, '@1 @2 @3 @cat @Image1');
    expect(attachments.map((a) => a.downloads)).toEqual([1, 1, 1]);
  });

  it('trusts the bytes, not the name or declared type', async () => {
    const value = await prepared([
      upload('dog.jpg', 'cat.png', { contentType: 'image/png' }),
      upload('clip2s.mov', 'clip.mp4', { contentType: 'video/mp4' }),
      upload('tone2s.wav', 'song.mp3', { contentType: 'audio/mpeg' }),
    ]);
    expect(value.references.map((r) => [r.name, r.kind, r.mime, r.extension])).toEqual([
      ['cat.png', 'image', 'image/jpeg', 'jpg'],
      ['clip.mp4', 'video', 'video/quicktime', 'mov'],
      ['song.mp3', 'audio', 'audio/wav', 'wav'],
    ]);
  });

  it('refuses unsupported files, naming each and what is accepted', async () => {
    const problems = await problemsOf([
      upload('cat.png'),
      upload('pic.gif'),
      upload('clip2s.mkv', 'clip.mp4', { contentType: 'video/mp4' }),
      upload('notes.png', 'notes.png', { contentType: 'image/png' }),
    ]);
    const accepted = ['JPEG', 'PNG', 'WebP', 'MP4', 'MOV', 'MP3', 'WAV'];
    expect(problems).toEqual([
      { code: 'reference.unsupported_type', file: 'pic.gif', params: { detected: 'gif', accepted } },
      { code: 'reference.unsupported_type', file: 'clip.mp4', params: { detected: 'mkv', accepted } },
      { code: 'reference.unsupported_type', file: 'notes.png', params: { detected: 'unknown', accepted } },
    ]);
  });

  it('reports media whose duration cannot be read', async () => {
    const cut = attachmentOf('cut.mp4', fixture('clip3s.mp4').subarray(0, 60));
    expect(await problemsOf([upload('cat.png'), cut])).toEqual([
      { code: 'reference.unreadable_media', file: 'cut.mp4', params: { kind: 'video', format: 'MP4' } },
    ]);
  });

  it('reports a failed download for that file and still checks the others', async () => {
    const problems = await problemsOf([upload('cat.png'), failing('lost.png'), upload('pic.gif')]);
    expect(problems).toEqual([
      { code: 'reference.download_failed', file: 'lost.png', params: { reason: 'failed' } },
      expect.objectContaining({ code: 'reference.unsupported_type', file: 'pic.gif' }),
    ]);
  });

  it('does not ask for a picture for the audio when a file that may be one failed to download', async () => {
    expect((await problemsOf([failing('me.jpg'), upload('tone2s.mp3')])).map((p) => p.code)).toEqual(['reference.download_failed']);
  });

  it('refuses a file declared larger than any reference may be, without downloading it', async () => {
    const huge = upload('clip3s.mp4', 'huge.mp4', { size: 80 * MB });
    expect(await problemsOf([huge])).toEqual([
      { code: 'reference.file_too_large', file: 'huge.mp4', params: { bytes: 80 * MB, sizeMB: 80, maxBytes: 50 * MB - 1, maxMB: 50 } },
    ]);
    expect(huge.downloads).toBe(0);
  });

  it('accepts attachments without any prompt reference and an empty list', async () => {
    expect(await prepared([], 'a calm sea')).toEqual({ references: [], prompt: 'a calm sea', mapping: [], release: expect.any(Function) });
  });
});

describe('prepareReferences: one test per limit', () => {
  const codes = async (attachments: IncomingAttachment[]) => (await problemsOf(attachments)).map((p) => p.code);

  it('at most 9 images', async () => {
    const problems = await problemsOf(uploads('cat.png', 10));
    expect(problems).toEqual([
      { code: 'reference.too_many_images', params: { count: 10, max: 9, files: expect.arrayContaining(['cat-1.png', 'cat-10.png']) } },
    ]);
    await prepared(uploads('cat.png', 9));
  });

  it('images at most 30 MB each (a real PNG padded to 31 MB)', async () => {
    const big = attachmentOf('big.png', paddedTo(fixture('cat.png'), 31 * MB));
    expect(await problemsOf([upload('dog.jpg'), big])).toEqual([
      { code: 'reference.image_too_large', file: 'big.png', params: { bytes: 31 * MB, maxBytes: 30 * MB, sizeMB: 31, maxMB: 30 } },
    ]);
  });

  it('at most 3 videos', async () => {
    expect(await codes(uploads('clip1s.mp4', 4))).toEqual(['reference.too_many_videos']);
  });

  it('videos under 50 MB together (three real clips padded to 17 MB)', async () => {
    const clips = [1, 2, 3].map((i) => attachmentOf(`clip${i}.mp4`, paddedMovie(fixture('clip1s.mp4'), 17 * MB)));
    expect(await problemsOf(clips)).toEqual([
      {
        code: 'reference.videos_too_large',
        params: { bytes: 51 * MB, maxBytes: 50 * MB, sizeMB: 51, maxMB: 50, files: ['clip1.mp4', 'clip2.mp4', 'clip3.mp4'] },
      },
    ]);
  });

  it('videos at least 2 s together', async () => {
    expect(await problemsOf([upload('clip1s.mp4')])).toEqual([
      { code: 'reference.videos_too_short', params: { totalSec: 1, minSec: 2, files: ['clip1s.mp4'] } },
    ]);
    await prepared(uploads('clip1s.mp4', 2));
  });

  it('videos at most 15 s together', async () => {
    expect(await problemsOf(uploads('clip6s.mp4', 3))).toEqual([
      { code: 'reference.videos_too_long', params: { totalSec: 18, maxSec: 15, files: ['clip6s-1.mp4', 'clip6s-2.mp4', 'clip6s-3.mp4'] } },
    ]);
  });

  it('at most 3 audio files', async () => {
    expect(await codes([upload('cat.png'), ...uploads('tone2s.wav', 4)])).toEqual(['reference.too_many_audios']);
  });

  it('audio at most 15 MB each (a real WAV padded to 16 MB)', async () => {
    const big = attachmentOf('long.wav', paddedTo(fixture('tone2s.wav'), 16 * MB));
    expect(await problemsOf([upload('cat.png'), big])).toEqual([
      { code: 'reference.audio_too_large', file: 'long.wav', params: { bytes: 16 * MB, maxBytes: 15 * MB, sizeMB: 16, maxMB: 15 } },
    ]);
  });

  it('audio at most 15 s together', async () => {
    const problems = await problemsOf([upload('cat.png'), ...uploads('tone6s.mp3', 3)]);
    expect(problems).toEqual([
      { code: 'reference.audios_too_long', params: { totalSec: expect.closeTo(18.576, 2), maxSec: 15, files: ['tone6s-1.mp3', 'tone6s-2.mp3', 'tone6s-3.mp3'] } },
    ]);
  });

  it('audio only with at least one image or video', async () => {
    expect(await problemsOf([upload('tone2s.mp3')])).toEqual([{ code: 'reference.audio_needs_visual', params: { files: ['tone2s.mp3'] } }]);
    await prepared([upload('clip3s.mp4'), upload('tone2s.mp3')]);
  });

  it('at most 12 files in total', async () => {
    const attachments = [...uploads('cat.png', 9), ...uploads('clip1s.mp4', 3), upload('tone2s.wav')];
    expect(await problemsOf(attachments)).toEqual([{ code: 'reference.too_many_files', params: { count: 13, max: 12, files: expect.any(Array) } }]);
  });

  it('reports every problem at once', async () => {
    const attachments = [
      ...uploads('dog.jpg', 9),
      attachmentOf('huge.png', paddedTo(fixture('cat.png'), 31 * MB)),
      ...uploads('clip6s.mp4', 4),
      ...uploads('tone6s.mp3', 4),
      upload('pic.gif'),
      failing('lost.mov'),
    ];
    const problems = await problemsOf(attachments, '@huge @dog-1 with @nothere');
    expect(problems.map((p) => [p.code, p.file])).toEqual([
      ['reference.unsupported_type', 'pic.gif'],
      ['reference.download_failed', 'lost.mov'],
      ['reference.too_many_images', undefined],
      ['reference.image_too_large', 'huge.png'],
      ['reference.too_many_videos', undefined],
      ['reference.videos_too_long', undefined],
      ['reference.too_many_audios', undefined],
      ['reference.audios_too_long', undefined],
      ['reference.too_many_files', undefined],
      ['prompt.unknown_reference', undefined],
    ]);
    expect(problems.find((p) => p.code === 'reference.videos_too_long')?.params).toMatchObject({ totalSec: 24, maxSec: 15 });
    expect(problems.at(-1)?.params).toMatchObject({ reference: '@nothere' });
  });
});
