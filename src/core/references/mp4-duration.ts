/**
 * The presentation length of an MP4 or QuickTime file, from its movie header (moov/mvhd).
 *
 * music-metadata only reports a duration for MP4/MOV files that have an audio track, and reference
 * clips are often silent, so the movie header is read directly. It is the length of the whole
 * presentation, which is also what Seedance counts.
 */
export function readMovieDurationSec(bytes: Uint8Array): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const moov = findBox(view, 0, view.byteLength, 'moov');
  if (!moov) return undefined;
  const mvhd = findBox(view, moov.contentStart, moov.end, 'mvhd');
  if (!mvhd) return undefined;

  const start = mvhd.contentStart;
  // An empty mvhd at the very end of the file has no version byte to read.
  if (start >= mvhd.end) return undefined;
  const version = view.getUint8(start);
  // version 0: 32-bit creation, modification, timescale, duration; version 1: 64-bit times and duration.
  const needed = version === 1 ? 4 + 8 + 8 + 4 + 8 : 4 + 4 + 4 + 4 + 4;
  if (start + needed > mvhd.end) return undefined;
  const timescale = view.getUint32(start + (version === 1 ? 20 : 12));
  const duration = version === 1 ? Number(view.getBigUint64(start + 24)) : view.getUint32(start + 16);
  // All ones means "unknown"; zero is what fragmented files write before their fragments.
  const unknown = version === 1 ? duration >= Number.MAX_SAFE_INTEGER : duration === 0xffffffff;
  if (timescale === 0 || duration === 0 || unknown) return undefined;
  return duration / timescale;
}

interface Box {
  contentStart: number;
  end: number;
}

function findBox(view: DataView, from: number, to: number, type: string): Box | undefined {
  let offset = from;
  while (offset + 8 <= to) {
    let size = view.getUint32(offset);
    const boxType = String.fromCharCode(
      view.getUint8(offset + 4),
      view.getUint8(offset + 5),
      view.getUint8(offset + 6),
      view.getUint8(offset + 7),
    );
    let headerSize = 8;
    if (size === 1) {
      if (offset + 16 > to) return undefined;
      size = Number(view.getBigUint64(offset + 8));
      headerSize = 16;
    } else if (size === 0) {
      size = to - offset;
    }
    if (size < headerSize || offset + size > to) return undefined;
    if (boxType === type) return { contentStart: offset + headerSize, end: offset + size };
    offset += size;
  }
  return undefined;
}
