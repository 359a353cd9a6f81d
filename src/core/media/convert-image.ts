/**
 * Any picture FFmpeg decodes (AVIF, GIF's first frame, BMP, TIFF, HEIF/HEIC including an iPhone's
 * grid of tiles, or a JPEG/PNG over the cap; see picture-source.ts) -> PNG or JPEG that Seedance
 * takes, under `maxBytes`. Lossless sources stay lossless (PNG, transparency kept) when that fits;
 * photos become JPEG, made smaller until they fit.
 */
import type { Frame } from 'node-av';
import type { NodeAv } from './binding.js';
import { decodePicture } from './picture-source.js';

export interface ImageConversion {
  input: string;
  maxBytes: number;
  /** Prefer PNG (the source is lossless: GIF, BMP, TIFF, PNG). */
  lossless: boolean;
  signal?: AbortSignal;
}

export interface ConvertedImage {
  bytes: Buffer;
  format: 'PNG' | 'JPEG';
  width: number;
  height: number;
}

/** JPEG quality scale (2 best … 31 worst) tried in turn before the picture is made smaller. */
const JPEG_QUALITIES = [3, 6, 10];
const MAX_SHRINKS = 4;

export async function convertImage(av: NodeAv, job: ImageConversion): Promise<ConvertedImage> {
  const frame = await decodePicture(av, job.input, job.signal);
  try {
    const { width, height } = frame;
    if (job.lossless) {
      const png = await encodeFrame(av, frame, 'format=rgba', 'png');
      if (png.byteLength <= job.maxBytes) return { bytes: png, format: 'PNG', width, height };
    }
    let scale = 1;
    for (let shrink = 0; shrink <= MAX_SHRINKS; shrink++) {
      const w = Math.max(2, Math.round((width * scale) / 2) * 2);
      const h = Math.max(2, Math.round((height * scale) / 2) * 2);
      for (const q of JPEG_QUALITIES) {
        job.signal?.throwIfAborted();
        const jpeg = await encodeFrame(av, frame, `scale=${w}:${h}:out_range=full,format=yuvj420p`, 'mjpeg', q);
        if (jpeg.byteLength <= job.maxBytes) return { bytes: jpeg, format: 'JPEG', width: w, height: h };
        if (q === JPEG_QUALITIES[JPEG_QUALITIES.length - 1]) scale *= Math.min(0.9, Math.sqrt(job.maxBytes / jpeg.byteLength) * 0.9);
      }
    }
    throw new Error('the picture could not be made small enough');
  } finally {
    frame.free();
  }
}

async function encodeFrame(av: NodeAv, frame: Frame, filterChain: string, encoder: 'png' | 'mjpeg', quality?: number): Promise<Buffer> {
  const filter = av.FilterAPI.create(filterChain, {});
  try {
    const [converted, ...rest] = await filter.processAll(frame.clone()!);
    for (const f of rest) f.free();
    if (!converted) throw new Error('the picture could not be converted');
    try {
      return await av.Encoder.encodeOne(encoder as never, converted, (quality !== undefined ? { options: { flags: '+qscale', global_quality: quality * av.FF_QP2LAMBDA, qmin: quality, qmax: quality } } : {}) as never);
    } finally {
      converted.free();
    }
  } finally {
    filter.close();
  }
}
