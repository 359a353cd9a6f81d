/**
 * Hostile MP4 files, built box by box: each starts like a real MP4 (an `ftyp` box, so the sniffer
 * takes it for one) and then lies in its box sizes.
 */

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** A box whose size field says `declared` (default: its real size). */
export function box(type: string, payload: Uint8Array = new Uint8Array(0), declared?: number): Uint8Array {
  const out = new Uint8Array(8 + payload.byteLength);
  new DataView(out.buffer).setUint32(0, declared ?? out.byteLength);
  out.set(ascii(type), 4);
  out.set(payload, 8);
  return out;
}

const FTYP = box('ftyp', concat([ascii('isom'), new Uint8Array([0, 0, 2, 0]), ascii('isomiso2avc1mp41')]));

/** `ftyp` then a `moov` whose last box is an `mvhd` with no content at all, at the very end of the file. */
export const emptyMovieHeaderAtEnd = (): Uint8Array => concat([FTYP, box('moov', box('mvhd'))]);

/** `ftyp` then a `moov` that says it is far longer than the file. */
export const oversizedMovieBox = (): Uint8Array => concat([FTYP, box('moov', box('mvhd', new Uint8Array(100)), 0x7fff_ffff)]);

/** `ftyp` then an `mvhd` claiming (in a 64-bit size) more bytes than any file has. */
export function bogusLargeMovieHeader(): Uint8Array {
  const large = new Uint8Array(16);
  const view = new DataView(large.buffer);
  view.setUint32(0, 1);
  large.set(ascii('mvhd'), 4);
  view.setBigUint64(8, 0xffff_ffff_ffff_fff0n);
  return concat([FTYP, box('moov', concat([large, new Uint8Array(32)]))]);
}
