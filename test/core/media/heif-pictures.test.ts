/**
 * HEIF/HEIC photos become JPEG references through the real FFmpeg: an iPhone-style grid of HEVC
 * tiles laid out, cut to the grid's size and turned as `irot` says; one coded picture beside a
 * thumbnail; mirrors (`imir`). Files are written at test time (test/helpers/heif-fixtures.ts) and
 * the result is checked by where each coloured quadrant landed, as libheif shows the same files.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createMediaConverter } from '../../../src/core/media/converter.js';
import { readHeifPrimary } from '../../../src/core/media/heif-items.js';
import { describeProblems } from '../../../src/core/messages.js';
import { prepareReferences } from '../../../src/core/references/prepare.js';
import { readWhole } from '../../../src/core/references/reference-bytes.js';
import type { IncomingAttachment } from '../../../src/core/references/types.js';
import { iphoneStyleHeic, makeHeif, quadrantsOf, type HeifSpec } from '../../helpers/heif-fixtures.js';

const converter = createMediaConverter({ concurrency: 2, timeoutMs: 60_000 });
afterAll(() => converter.close());

const file = (name: string, bytes: Uint8Array): IncomingAttachment => ({ name, size: bytes.byteLength, contentType: 'image/heic', download: async () => bytes });

async function converted(name: string, bytes: Uint8Array) {
  const result = await prepareReferences([file(name, bytes)], `@${name} comes alive`, { converter });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  const [reference] = result.value.references;
  return { reference: reference!, note: result.value.mapping[0]!.note, quadrants: await quadrantsOf(await readWhole(reference!)) };
}

describe('HEIC photos', { timeout: 60_000 }, () => {
  it('an iPhone-style grid (2×2 tiles cut to 120×88, irot 90°, a thumbnail) becomes one upright JPEG', async () => {
    const { reference, note, quadrants } = await converted('IMG_0001.HEIC', await iphoneStyleHeic());
    expect(reference).toMatchObject({ kind: 'image', mime: 'image/jpeg', extension: 'jpg' });
    expect(note).toMatch(/^converted: HEIC → JPEG, [\d.]+ MB → [\d.]+ MB$/);
    // Turned a quarter anticlockwise: the top right (green) is now the top left.
    expect(quadrants).toEqual({ width: 88, height: 120, topLeft: 'green', topRight: 'white', bottomRight: 'blue', bottomLeft: 'red' });
  });

  it.each<[string, HeifSpec, Awaited<ReturnType<typeof quadrantsOf>>]>([
    ['one picture', { width: 120, height: 88 }, { width: 120, height: 88, topLeft: 'red', topRight: 'green', bottomRight: 'white', bottomLeft: 'blue' }],
    ['one picture and a thumbnail, turned 180°', { width: 120, height: 88, irot: 2, thumbnail: true }, { width: 120, height: 88, topLeft: 'white', topRight: 'blue', bottomRight: 'red', bottomLeft: 'green' }],
    ['a 3×2 grid cut to 150×100, mirrored left to right', { width: 150, height: 100, tile: { width: 64, height: 64 }, imir: 1 }, { width: 150, height: 100, topLeft: 'green', topRight: 'red', bottomRight: 'blue', bottomLeft: 'white' }],
    ['a grid of 10-bit tiles', { width: 120, height: 88, tile: { width: 64, height: 64 }, pixelFormat: 'yuv420p10le' }, { width: 120, height: 88, topLeft: 'red', topRight: 'green', bottomRight: 'white', bottomLeft: 'blue' }],
    ['a grid turned 270° then flipped top to bottom', { width: 120, height: 88, tile: { width: 64, height: 64 }, irot: 3, imir: 0 }, { width: 88, height: 120, topLeft: 'white', topRight: 'green', bottomRight: 'red', bottomLeft: 'blue' }],
  ])('%s', async (_name, spec, expected) => {
    const { reference, quadrants } = await converted('photo.heic', await makeHeif(spec));
    expect(reference.mime).toBe('image/jpeg');
    expect(quadrants).toEqual(expected);
  });

  it('the layout is read from the boxes: tiles in order, the grid size, the turn; a cut-off file gives nothing', async () => {
    const bytes = await iphoneStyleHeic();
    expect(readHeifPrimary(bytes)).toEqual({ item: 1, grid: { rows: 2, columns: 2, width: 120, height: 88, tiles: [2, 3, 4, 5] }, transforms: [{ turn: 1 }] });
    const metaEnd = Buffer.from(bytes).indexOf('mdat') - 4;
    expect(readHeifPrimary(bytes.subarray(0, metaEnd - 40))).toBeUndefined();
  });

  it('a HEIC whose tiles are cut off is refused by name, saying how to send it instead', async () => {
    const bytes = await iphoneStyleHeic();
    const result = await prepareReferences([file('IMG_0002.HEIC', bytes.subarray(0, bytes.byteLength - 3000))], 'x', { converter });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.file, p.code])).toEqual([['IMG_0002.HEIC', 'reference.conversion_failed']]);
    expect(describeProblems(result.problems)).toMatch(/`IMG_0002\.HEIC` could not be converted .*JPEG.*Most Compatible/);
  });
});
