/**
 * The primary picture of a HEIF/HEIC (or AVIF) file, read from its `meta` box (ISO/IEC 23008-12):
 * which item it is, whether it is a grid of tiles (as every iPhone photo is) with the tiles' item
 * ids and the grid's size, and how it must be turned or mirrored to be shown.
 *
 * FFmpeg's MOV demuxer gives each coded item a stream whose id is the item id, but describes a grid
 * only in a stream group, which node-av 6.1.1 does not expose; so the layout is read here. The
 * bytes are anyone's: every read is bounds-checked and a malformed file gives undefined.
 */

export interface HeifGrid {
  rows: number;
  columns: number;
  /** The picture's size; the tiles cover at least this, and what lies past it is cut off. */
  width: number;
  height: number;
  /** Item ids of the tiles, row by row. */
  tiles: number[];
}

/** In the order they are to be applied. `turn`: quarter turns anticlockwise. */
export type HeifTransform = { turn: 1 | 2 | 3 } | { mirror: 'left-right' | 'top-bottom' };

export interface HeifPrimary {
  item: number;
  grid?: HeifGrid;
  transforms: HeifTransform[];
}

interface Box {
  type: string;
  start: number;
  end: number;
}

class Reader {
  constructor(
    readonly view: DataView,
    public at: number,
    readonly end: number,
  ) {}
  private need(n: number): number {
    if (this.at + n > this.end) throw new RangeError('box ends early');
    const at = this.at;
    this.at += n;
    return at;
  }
  u8 = () => this.view.getUint8(this.need(1));
  u16 = () => this.view.getUint16(this.need(2));
  u32 = () => this.view.getUint32(this.need(4));
  /** An unsigned integer of 0, 2, 4 or 8 bytes (iloc's field sizes). */
  sized(bytes: number): number {
    if (bytes === 0) return 0;
    if (bytes === 2) return this.u16();
    if (bytes === 4) return this.u32();
    if (bytes === 8) return Number(this.view.getBigUint64(this.need(8)));
    throw new RangeError(`field of ${bytes} bytes`);
  }
  fourcc = () => String.fromCharCode(this.u8(), this.u8(), this.u8(), this.u8());
  /** version, flags */
  fullBox(): [number, number] {
    const word = this.u32();
    return [word >>> 24, word & 0xffffff];
  }
}

function children(view: DataView, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  let at = start;
  while (at + 8 <= end) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(view.getUint8(at + 4), view.getUint8(at + 5), view.getUint8(at + 6), view.getUint8(at + 7));
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) break;
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end) break;
    boxes.push({ type, start: at + header, end: at + size });
    at += size;
  }
  return boxes;
}

export function readHeifPrimary(bytes: Uint8Array): HeifPrimary | undefined {
  try {
    return parse(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    return undefined;
  }
}

function parse(view: DataView): HeifPrimary | undefined {
  const meta = children(view, 0, view.byteLength).find((b) => b.type === 'meta');
  if (!meta) return undefined;
  const boxes = children(view, meta.start + 4, meta.end);
  const find = (type: string, within = boxes) => within.find((b) => b.type === type);
  const reader = (box: Box) => new Reader(view, box.start, box.end);

  const pitm = find('pitm');
  if (!pitm) return undefined;
  const r = reader(pitm);
  const item = r.fullBox()[0] === 0 ? r.u16() : r.u32();

  const types = new Map<number, string>();
  const iinf = find('iinf');
  if (iinf) {
    const ri = reader(iinf);
    const count = ri.fullBox()[0] === 0 ? ri.u16() : ri.u32();
    for (const infe of children(view, ri.at, iinf.end).filter((b) => b.type === 'infe').slice(0, count)) {
      const re = reader(infe);
      const [version] = re.fullBox();
      if (version < 2) continue;
      const id = version === 2 ? re.u16() : re.u32();
      re.u16();
      types.set(id, re.fourcc());
    }
  }

  const transforms: HeifTransform[] = [];
  const iprp = find('iprp');
  const ipco = iprp && find('ipco', children(view, iprp.start, iprp.end));
  const properties = ipco ? children(view, ipco.start, ipco.end) : [];
  for (const ipma of iprp ? children(view, iprp.start, iprp.end).filter((b) => b.type === 'ipma') : []) {
    const rm = reader(ipma);
    const [version, flags] = rm.fullBox();
    for (let n = rm.u32(); n > 0; n--) {
      const id = version < 1 ? rm.u16() : rm.u32();
      for (let k = rm.u8(); k > 0; k--) {
        const index = flags & 1 ? rm.u16() & 0x7fff : rm.u8() & 0x7f;
        const property = properties[index - 1];
        if (id !== item || !property) continue;
        const value = property.end > property.start ? view.getUint8(property.start) : 0;
        if (property.type === 'irot' && (value & 3) !== 0) transforms.push({ turn: (value & 3) as 1 | 2 | 3 });
        // axis 0 flips top to bottom, 1 left to right: as libheif and FFmpeg's own reading of imir do.
        if (property.type === 'imir') transforms.push({ mirror: value & 1 ? 'left-right' : 'top-bottom' });
      }
    }
  }

  if (types.get(item) !== 'grid') return { item, transforms };
  const tiles = gridTiles(view, find('iref'), item);
  const data = itemData(view, find('iloc'), find('idat'), item);
  if (!tiles || !data) return undefined;
  const rg = new Reader(view, data.start, data.end);
  rg.u8();
  const large = (rg.u8() & 1) === 1;
  const rows = rg.u8() + 1;
  const columns = rg.u8() + 1;
  const width = large ? rg.u32() : rg.u16();
  const height = large ? rg.u32() : rg.u16();
  if (tiles.length !== rows * columns || width === 0 || height === 0) return undefined;
  return { item, grid: { rows, columns, width, height, tiles }, transforms };
}

/** The items the grid is derived from (`iref`/`dimg`), in order. */
function gridTiles(view: DataView, iref: Box | undefined, grid: number): number[] | undefined {
  if (!iref) return undefined;
  const ri = new Reader(view, iref.start, iref.end);
  const wide = ri.fullBox()[0] !== 0;
  for (const ref of children(view, ri.at, iref.end)) {
    if (ref.type !== 'dimg') continue;
    const rr = new Reader(view, ref.start, ref.end);
    const id = () => (wide ? rr.u32() : rr.u16());
    if (id() !== grid) continue;
    const tiles: number[] = [];
    for (let n = rr.u16(); n > 0; n--) tiles.push(id());
    return tiles;
  }
  return undefined;
}

/** Where an item's bytes are (`iloc`): in the file, or inside `idat`; one extent only. */
function itemData(view: DataView, iloc: Box | undefined, idat: Box | undefined, wanted: number): { start: number; end: number } | undefined {
  if (!iloc) return undefined;
  const r = new Reader(view, iloc.start, iloc.end);
  const [version] = r.fullBox();
  const sizes = r.u8();
  const more = r.u8();
  const [offsetSize, lengthSize, baseSize, indexSize] = [sizes >> 4, sizes & 15, more >> 4, version > 0 ? more & 15 : 0];
  const count = version < 2 ? r.u16() : r.u32();
  for (let i = 0; i < count; i++) {
    const id = version < 2 ? r.u16() : r.u32();
    const method = version > 0 ? r.u16() & 15 : 0;
    r.u16();
    const base = r.sized(baseSize);
    const extents = r.u16();
    const parts: [number, number][] = [];
    for (let e = 0; e < extents; e++) {
      r.sized(indexSize);
      parts.push([r.sized(offsetSize), r.sized(lengthSize)]);
    }
    if (id !== wanted) continue;
    if (parts.length !== 1) return undefined;
    const [offset, length] = parts[0]!;
    const origin = method === 1 ? idat?.start : method === 0 ? 0 : undefined;
    const limit = method === 1 ? idat?.end : view.byteLength;
    if (origin === undefined || limit === undefined) return undefined;
    const start = origin + base + offset;
    const end = length === 0 ? limit : start + length;
    return end <= limit ? { start, end } : undefined;
  }
  return undefined;
}
