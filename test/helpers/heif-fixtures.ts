/**
 * HEIF/HEIC stills made at test time, since FFmpeg has no HEIF muxer: each picture (or tile) is
 * encoded by libx265 through node-av, and the ISOBMFF boxes around it (ISO/IEC 23008-12: ftyp,
 * meta with hdlr, pitm, iinf, iref, iprp, iloc, idat; then mdat) are written here, the way an
 * iPhone lays out its photos: a `grid` item whose tiles are hidden `hvc1` items, the grid's
 * description in `idat`, a turn in `irot`, and a small thumbnail item.
 *
 * The picture is four solid quadrants (UNTURNED), so a test can tell where each part landed.
 */
import type { Frame } from 'node-av';
import { mediaAv } from './media-fixtures.js';

export interface HeifSpec {
  /** The picture as the person sees it before any turn. */
  width: number;
  height: number;
  /** Split into tiles of this size (an iPhone uses 512×512); one coded picture when absent. */
  tile?: { width: number; height: number };
  /** `irot`: quarter turns anticlockwise (HEIF's sense), 1 = 90°. */
  irot?: 0 | 1 | 2 | 3;
  /** `imir` after the turn: 0 flips top to bottom, 1 left to right (as libheif and FFmpeg read it). */
  imir?: 0 | 1;
  /** Add a 64×48 thumbnail item, as phones do. */
  thumbnail?: boolean;
  /** The tiles' pixel format (default yuv420p; yuv420p10le for 10-bit HEVC). */
  pixelFormat?: string;
  /** Grain over the quadrants, so that the pictures cost what a photo costs to code (benchmarks). */
  grain?: boolean;
}

/** The picture's quadrants as made, before any turn or mirror. */
export const UNTURNED = { topLeft: 'red', topRight: 'green', bottomRight: 'white', bottomLeft: 'blue' } as const;
const COLOURS = { red: [255, 0, 0], green: [0, 255, 0], white: [255, 255, 255], blue: [0, 0, 255] } as const;

/** An iPhone-style photo, small: 2×2 tiles of 64×64 cut to 120×88, turned 90° (irot 1), with a thumbnail. */
export const iphoneStyleHeic = () => makeHeif({ width: 120, height: 88, tile: { width: 64, height: 64 }, irot: 1, thumbnail: true });

/** Size of a picture file and the colour at the centre of each quadrant ('other' when none is near). */
export async function quadrantsOf(bytes: Uint8Array): Promise<{ width: number; height: number; topLeft: string; topRight: string; bottomRight: string; bottomLeft: string }> {
  const av = await mediaAv();
  const demuxer = await av.Demuxer.open(Buffer.from(bytes));
  const decoder = await av.Decoder.create(demuxer.video()!);
  const filter = av.FilterAPI.create('format=rgb24', {});
  try {
    let decoded: Frame | undefined;
    for await (const packet of demuxer.packets()) {
      decoded = (await decoder.decodeAll(packet ?? null))[0];
      packet?.free();
      if (decoded || !packet) break;
    }
    const [rgb] = await filter.processAll(decoded!);
    const { width, height } = rgb!;
    const pixels = rgb!.toBuffer();
    rgb!.free();
    const at = (x: number, y: number) => {
      const i = (Math.floor(y) * width + Math.floor(x)) * 3;
      const near = Object.entries(COLOURS).find(([, c]) => c.every((v, k) => Math.abs(v - pixels[i + k]!) < 40));
      return near?.[0] ?? 'other';
    };
    return { width, height, topLeft: at(width / 4, height / 4), topRight: at((3 * width) / 4, height / 4), bottomRight: at((3 * width) / 4, (3 * height) / 4), bottomLeft: at(width / 4, (3 * height) / 4) };
  } finally {
    filter.close();
    decoder.close();
    await demuxer.close();
  }
}

export async function makeHeif(spec: HeifSpec): Promise<Uint8Array> {
  const av = await mediaAv();
  const tile = spec.tile ?? { width: spec.width, height: spec.height };
  const columns = Math.ceil(spec.width / tile.width);
  const rows = Math.ceil(spec.height / tile.height);
  const [w, h] = [spec.width / 2, spec.height / 2];
  const graph =
    `color=red:s=${w}x${h}:d=0.04[a];color=lime:s=${w}x${h}:d=0.04[b];color=blue:s=${w}x${h}:d=0.04[c];color=white:s=${w}x${h}:d=0.04[d];` +
    `[a][b]hstack[t];[c][d]hstack[u];[t][u]vstack,${spec.grain ? 'noise=alls=30:allf=u,' : ''}pad=${columns * tile.width}:${rows * tile.height}[out0]`;
  const source = await av.Demuxer.open(graph, { format: 'lavfi' } as never);
  const decoder = await av.Decoder.create(source.video()!);
  let picture: Frame | undefined;
  try {
    for await (const packet of source.packets()) {
      const [frame, ...rest] = await decoder.decodeAll(packet ?? null);
      packet?.free();
      for (const f of rest) f.free();
      if (frame || !packet) {
        picture = frame;
        break;
      }
    }
    if (!picture) throw new Error('no source picture');
    const encode = async (chain: string) => {
      const filter = av.FilterAPI.create(`${chain},format=${spec.pixelFormat ?? 'yuv420p'}`, {});
      try {
        const [frame] = await filter.processAll(picture!.clone()!);
        const bytes = await av.Encoder.encodeOne('libx265' as never, frame!, { options: { preset: 'ultrafast', 'x265-params': 'log-level=none' } } as never);
        frame!.free();
        return hevcItem(bytes);
      } finally {
        filter.close();
      }
    };
    const tiles = [];
    for (let row = 0; row < rows; row++) {
      for (let column = 0; column < columns; column++) tiles.push(await encode(`crop=${tile.width}:${tile.height}:${column * tile.width}:${row * tile.height}`));
    }
    const thumbnail = spec.thumbnail ? await encode(`crop=${spec.width}:${spec.height}:0:0,scale=64:48`) : undefined;
    return heifFile({ spec, tile, columns, rows, tiles, thumbnail });
  } finally {
    picture?.free();
    decoder.close();
    await source.close();
  }
}

interface HevcItem {
  /** HEVCDecoderConfigurationRecord with the VPS, SPS and PPS. */
  hvcC: Uint8Array;
  /** The other NAL units, each after a 4-byte length. */
  data: Uint8Array;
}

/** libx265's Annex B output (start codes, parameter sets repeated in the keyframe) -> an item. */
function hevcItem(annexB: Buffer): HevcItem {
  const units: Buffer[] = [];
  let start = -1;
  for (let i = 0; i + 2 < annexB.length; i++) {
    if (annexB[i] === 0 && annexB[i + 1] === 0 && annexB[i + 2] === 1) {
      if (start >= 0) units.push(trimZeros(annexB.subarray(start, i)));
      start = i + 3;
      i += 2;
    }
  }
  if (start >= 0) units.push(annexB.subarray(start));
  const type = (unit: Buffer) => (unit[0]! >> 1) & 0x3f;
  const sets = [32, 33, 34].map((t) => units.find((u) => type(u) === t)!);
  if (sets.some((s) => !s)) throw new Error('libx265 gave no parameter sets');
  const sps = unescape(sets[1]!);
  const header = Buffer.alloc(23);
  header[0] = 1;
  sps.copy(header, 1, 3, 15); // profile_tier_level's general part: space/tier/profile, compatibility, constraints, level
  header.writeUInt16BE(0xf000, 13);
  header.set([0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f, 3], 15);
  const arrays = sets.map((unit, i) => {
    const entry = Buffer.alloc(5);
    entry.writeUInt8(0x80 | (32 + i), 0);
    entry.writeUInt16BE(1, 1);
    entry.writeUInt16BE(unit.length, 3);
    return Buffer.concat([entry, unit]);
  });
  const rest = units.filter((u) => type(u) < 32 || type(u) > 34).map((u) => Buffer.concat([u32(u.length), u]));
  return { hvcC: Buffer.concat([header, ...arrays]), data: Buffer.concat(rest) };
}

function trimZeros(unit: Buffer): Buffer {
  let end = unit.length;
  while (end > 0 && unit[end - 1] === 0) end--;
  return unit.subarray(0, end);
}

/** A NAL unit without its emulation-prevention bytes (00 00 03 -> 00 00). */
function unescape(unit: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < unit.length; i++) {
    if (i >= 2 && unit[i] === 3 && unit[i - 1] === 0 && unit[i - 2] === 0) continue;
    out.push(unit[i]!);
  }
  return Buffer.from(out);
}

const u8 = (n: number) => Buffer.from([n]);
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
const box = (type: string, ...parts: Buffer[]) => {
  const payload = Buffer.concat(parts);
  return Buffer.concat([u32(8 + payload.length), Buffer.from(type, 'latin1'), payload]);
};
const fullBox = (type: string, version: number, flags: number, ...parts: Buffer[]) => box(type, u8(version), u8(flags >> 16), u16(flags & 0xffff), ...parts);

function heifFile(layout: { spec: HeifSpec; tile: { width: number; height: number }; columns: number; rows: number; tiles: HevcItem[]; thumbnail: HevcItem | undefined }): Uint8Array {
  const { spec, tile, tiles, thumbnail } = layout;
  const grid = spec.tile !== undefined;
  // Item ids: the primary picture 1; tiles 2…; the thumbnail last.
  const coded = grid ? tiles.map((t, i) => ({ id: 2 + i, item: t, width: tile.width, height: tile.height })) : [{ id: 1, item: tiles[0]!, width: spec.width, height: spec.height }];
  const thumbId = 2 + tiles.length;
  const all = thumbnail ? [...coded, { id: thumbId, item: thumbnail, width: 64, height: 48 }] : coded;
  const gridData = Buffer.concat([u8(0), u8(0), u8(layout.rows - 1), u8(layout.columns - 1), u16(spec.width), u16(spec.height)]);

  const infos = [
    ...(grid ? [fullBox('infe', 2, 0, u16(1), u16(0), Buffer.from('grid'), u8(0))] : []),
    ...all.map((c) => fullBox('infe', 2, grid && c.id !== thumbId ? 1 : 0, u16(c.id), u16(0), Buffer.from('hvc1'), u8(0))),
  ];
  const refs = [
    ...(grid ? [box('dimg', u16(1), u16(tiles.length), ...coded.map((c) => u16(c.id)))] : []),
    ...(thumbnail ? [box('thmb', u16(thumbId), u16(1), u16(1))] : []),
  ];
  // Properties: one hvcC and one ispe per coded item, then the primary's ispe (grid) and irot.
  const properties: Buffer[] = [];
  const associations: { id: number; indexes: number[] }[] = [];
  for (const c of all) {
    properties.push(box('hvcC', Buffer.from(c.item.hvcC)), fullBox('ispe', 0, 0, u32(c.width), u32(c.height)));
    associations.push({ id: c.id, indexes: [properties.length - 1, properties.length] });
  }
  const primary = grid ? { id: 1, indexes: [] as number[] } : associations[0]!;
  if (grid) {
    properties.push(fullBox('ispe', 0, 0, u32(spec.width), u32(spec.height)));
    primary.indexes.push(properties.length);
    associations.unshift(primary);
  }
  if (spec.irot) {
    properties.push(box('irot', u8(spec.irot)));
    primary.indexes.push(properties.length);
  }
  if (spec.imir !== undefined) {
    properties.push(box('imir', u8(spec.imir)));
    primary.indexes.push(properties.length);
  }
  const ipma = fullBox('ipma', 0, 0, u32(associations.length), ...associations.map((a) => Buffer.concat([u16(a.id), u8(a.indexes.length), ...a.indexes.map((i) => u8(0x80 | i))])));

  const meta = (dataStart: number) => {
    let at = dataStart;
    const locations = all.map((c) => {
      const entry = Buffer.concat([u16(c.id), u16(0), u16(0), u16(1), u32(at), u32(c.item.data.length)]);
      at += c.item.data.length;
      return entry;
    });
    if (grid) locations.unshift(Buffer.concat([u16(1), u16(1), u16(0), u16(1), u32(0), u32(gridData.length)]));
    return fullBox(
      'meta', 0, 0,
      fullBox('hdlr', 0, 0, u32(0), Buffer.from('pict'), u32(0), u32(0), u32(0), u8(0)),
      fullBox('pitm', 0, 0, u16(1)),
      fullBox('iinf', 0, 0, u16(infos.length), ...infos),
      ...(refs.length > 0 ? [fullBox('iref', 0, 0, ...refs)] : []),
      box('iprp', box('ipco', ...properties), ipma),
      fullBox('iloc', 1, 0, u8(0x44), u8(0), u16(locations.length), ...locations),
      ...(grid ? [box('idat', gridData)] : []),
    );
  };
  const ftyp = box('ftyp', Buffer.from('heic'), u32(0), Buffer.from('mif1heic'));
  const metaLength = meta(0).length;
  const mdat = box('mdat', ...all.map((c) => Buffer.from(c.item.data)));
  return new Uint8Array(Buffer.concat([ftyp, meta(ftyp.length + metaLength + 8), mdat]));
}
