/**
 * The one picture a still-image file shows, decoded and upright: the first frame of a GIF, BMP,
 * TIFF, AVIF..., or a HEIF/HEIC's primary item. An iPhone photo is a grid of tiles (512×512 HEVC
 * pictures, each its own stream): they are decoded one by one, laid into the grid, cut to the
 * grid's size, then turned and mirrored as the file says (`irot`, `imir`), as the ffmpeg tool does
 * with a tile-grid stream group.
 */
import { readFile } from 'node:fs/promises';
import type { Demuxer, Frame, Stream } from 'node-av';
import type { NodeAv } from './binding.js';
import { readHeifPrimary, type HeifGrid, type HeifTransform } from './heif-items.js';

export async function decodePicture(av: NodeAv, input: string, signal?: AbortSignal): Promise<Frame> {
  const demuxer = await av.Demuxer.open(input, signal ? { signal } : {});
  try {
    // HEIF and AVIF open through the MOV demuxer; a QuickTime movie's meta box has no primary item.
    const heif = demuxer.formatName.startsWith('mov,') ? readHeifPrimary(await readFile(input)) : undefined;
    if (heif?.grid) return await transformed(av, await composeGrid(av, demuxer, heif.grid, signal), heif.transforms);
    const primary = heif && demuxer.streams.find((s) => s.id === heif.item && s.codecpar.codecType === av.AVMEDIA_TYPE_VIDEO);
    if (heif && primary) return await transformed(av, await firstFrame(av, demuxer, primary, signal), heif.transforms);
    const pictures = demuxer.streams.filter((s) => s.codecpar.codecType === av.AVMEDIA_TYPE_VIDEO);
    if (pictures.length !== 1) throw new Error(`${pictures.length} pictures in one file`);
    return await firstFrame(av, demuxer, pictures[0]!, signal);
  } finally {
    await demuxer.close().catch(() => undefined);
  }
}

/**
 * The first decoded frame of each stream handed to `use` (and freed after it), reading the file
 * once. Each decoder lives only until its frame is out, so a 48-tile photo never holds 48 decoders.
 */
async function eachFirstFrame(av: NodeAv, demuxer: Demuxer, streams: readonly Stream[], signal: AbortSignal | undefined, use: (frame: Frame, at: number) => Promise<void> | void): Promise<void> {
  const done = streams.map(() => false);
  const decoders = new Map<number, Awaited<ReturnType<NodeAv['Decoder']['create']>>>();
  const take = async (at: number, decoded: Frame[]) => {
    const [first, ...rest] = decoded;
    for (const f of rest) f.free();
    if (!first) return;
    try {
      if (!done[at]) await use(first, at);
    } finally {
      first.free();
    }
    done[at] = true;
    decoders.get(at)?.close();
    decoders.delete(at);
  };
  try {
    for await (const packet of demuxer.packets()) {
      signal?.throwIfAborted();
      if (!packet) break;
      try {
        const at = streams.findIndex((s) => s.index === packet.streamIndex);
        if (at < 0 || done[at]) continue;
        let decoder = decoders.get(at);
        if (!decoder) decoders.set(at, (decoder = await av.Decoder.create(streams[at]!)));
        await take(at, await decoder.decodeAll(packet));
        // A still is one packet: flush now rather than hold the decoder to the end.
        if (!done[at]) await take(at, await decoder.decodeAll(null));
      } finally {
        packet.free();
      }
      if (done.every(Boolean)) break;
    }
    for (const [at, decoder] of [...decoders]) await take(at, await decoder.decodeAll(null));
    const missing = done.indexOf(false);
    if (missing >= 0) throw new Error(`no picture decoded from stream ${streams[missing]!.index}`);
  } finally {
    for (const decoder of decoders.values()) decoder.close();
  }
}

async function firstFrame(av: NodeAv, demuxer: Demuxer, stream: Stream, signal: AbortSignal | undefined): Promise<Frame> {
  let kept: Frame | undefined;
  await eachFirstFrame(av, demuxer, [stream], signal, (frame) => {
    kept = frame.clone()!;
  });
  return kept!;
}

/** The tiles laid out in 4:2:0, cut to the grid's size. */
async function composeGrid(av: NodeAv, demuxer: Demuxer, grid: HeifGrid, signal: AbortSignal | undefined): Promise<Frame> {
  const tiles = grid.tiles.map((id) => demuxer.streams.find((s) => s.id === id && s.codecpar.codecType === av.AVMEDIA_TYPE_VIDEO));
  const missing = tiles.findIndex((s) => !s);
  if (missing >= 0) throw new Error(`grid tile item ${grid.tiles[missing]} has no stream`);
  const { width, height } = grid;
  const [chromaWidth, chromaHeight] = [Math.ceil(width / 2), Math.ceil(height / 2)];
  const canvas = Buffer.alloc(width * height + 2 * chromaWidth * chromaHeight);
  const planes = [
    { at: 0, width, height, shift: 0 },
    { at: width * height, width: chromaWidth, height: chromaHeight, shift: 1 },
    { at: width * height + chromaWidth * chromaHeight, width: chromaWidth, height: chromaHeight, shift: 1 },
  ];
  let colours: Pick<Frame, 'colorRange' | 'colorSpace' | 'colorPrimaries' | 'colorTrc'> | undefined;
  let tileSize: { width: number; height: number } | undefined;
  const place = async (decoded: Frame, at: number) => {
    // Phones code their tiles in 8-bit 4:2:0 already; anything else is converted first.
    const native = decoded.format === av.AV_PIX_FMT_YUV420P || decoded.format === av.AV_PIX_FMT_YUVJ420P;
    const tile = native ? decoded.clone()! : await filtered(av, decoded, 'format=yuv420p');
    try {
      tileSize ??= { width: tile.width, height: tile.height };
      if (tile.width !== tileSize.width || tile.height !== tileSize.height || tile.width % 2 || tile.height % 2) throw new Error('grid tiles of uneven sizes');
      colours ??= { colorRange: tile.colorRange, colorSpace: tile.colorSpace, colorPrimaries: tile.colorPrimaries, colorTrc: tile.colorTrc };
      const pixels = tile.toBuffer();
      const [x0, y0] = [(at % grid.columns) * tile.width, Math.floor(at / grid.columns) * tile.height];
      let from = 0;
      for (const plane of planes) {
        const [tw, th, px, py] = [tile.width >> plane.shift, tile.height >> plane.shift, x0 >> plane.shift, y0 >> plane.shift];
        const copyWidth = Math.min(tw, plane.width - px);
        for (let row = 0; row < th && py + row < plane.height; row++) {
          if (copyWidth > 0) pixels.copy(canvas, plane.at + (py + row) * plane.width + px, from + row * tw, from + row * tw + copyWidth);
        }
        from += tw * th;
      }
    } finally {
      tile.free();
    }
  };
  await eachFirstFrame(av, demuxer, tiles as Stream[], signal, place);
  // node-av 6.1.1's fromVideoBuffer points the frame at the Buffer's memory instead of copying
  // it (a 12 MP photo crashed the process once the Buffer was collected mid-filter), so the
  // picture is copied into FFmpeg's own memory while `canvas` is still held.
  const borrowed = av.Frame.fromVideoBuffer(canvas, { width, height, format: av.AV_PIX_FMT_YUV420P, timeBase: { num: 1, den: 1 }, pts: 0n });
  try {
    if (colours) Object.assign(borrowed, colours);
    return await filtered(av, borrowed, 'copy');
  } finally {
    borrowed.free();
    canvas.fill(0, 0, 1); // the last use of `canvas`: it stays reachable until the copy is made
  }
}

const TRANSFORM_FILTERS: Readonly<Record<string, string>> = { 'turn:1': 'transpose=cclock', 'turn:2': 'hflip,vflip', 'turn:3': 'transpose=clock', 'mirror:left-right': 'hflip', 'mirror:top-bottom': 'vflip' };

/** `frame` turned and mirrored (it is freed; the result is new), or `frame` itself when nothing is to be done. */
async function transformed(av: NodeAv, frame: Frame, transforms: readonly HeifTransform[]): Promise<Frame> {
  if (transforms.length === 0) return frame;
  const chain = transforms.map((t) => TRANSFORM_FILTERS['turn' in t ? `turn:${t.turn}` : `mirror:${t.mirror}`]).join(',');
  try {
    return await filtered(av, frame, chain);
  } finally {
    frame.free();
  }
}

/** One frame through a filter chain (the input is left to the caller). */
async function filtered(av: NodeAv, frame: Frame, chain: string): Promise<Frame> {
  const filter = av.FilterAPI.create(chain, {});
  try {
    const [out, ...rest] = await filter.processAll(frame.clone()!);
    for (const f of rest) f.free();
    if (!out) throw new Error('the picture could not be converted');
    return out;
  } finally {
    filter.close();
  }
}
