/**
 * One pass of FFmpeg through node-av: demux a file, decode, filter and encode its best video and
 * audio streams, mux into another file. Every FFmpeg call used is the async one, which runs in
 * libuv's thread pool, so the event loop only hands frames from one step to the next.
 */
import type { Decoder, Encoder, FilterAPI, Frame, Muxer, Packet, Stream } from 'node-av';
import type { NodeAv } from './binding.js';

type Av = NodeAv;

export interface TrackPlan {
  /** An FFmpeg filter chain, e.g. `transpose=clock,scale=720:1280,format=yuv420p`. */
  filter: string;
  encoder: string;
  bitrate?: number;
  /** Encoder-private options (libx264's preset, crf...). */
  options?: Record<string, string | number>;
  maxRate?: number;
  bufSize?: number;
  gopSize?: number;
  /** Decoder-private options (e.g. skip_frame). */
  decoderOptions?: Record<string, string | number>;
  /** Threads for the decoder and the encoder each; 0 lets FFmpeg pick (one per core and more). */
  threads?: number;
}

export interface TranscodePlan {
  input: string;
  output: string;
  /** Muxer name: mp4, mp3, wav. */
  format: string;
  video?: TrackPlan;
  audio?: TrackPlan;
  /** Stop after this many seconds of the input. */
  maxSec?: number;
  muxerOptions?: Record<string, string>;
  signal?: AbortSignal;
}

interface Track {
  stream: Stream;
  decoder: Decoder;
  filter: FilterAPI;
  encoder: Encoder;
  outIndex: number;
  firstPts?: bigint;
  done: boolean;
}

export async function transcode(av: Av, plan: TranscodePlan): Promise<void> {
  const input = await av.Demuxer.open(plan.input, plan.signal ? { signal: plan.signal } : {});
  const tracks: Track[] = [];
  let output: Muxer | undefined;
  try {
    output = await av.Muxer.open(plan.output, { format: plan.format, ...(plan.muxerOptions ? { options: plan.muxerOptions } : {}) } as never);
    const video = plan.video ? input.video() : undefined;
    const audio = plan.audio ? input.audio() : undefined;
    if (plan.video && !video) throw new Error('no video stream');
    if (plan.audio && !audio && !plan.video) throw new Error('no audio stream');
    if (video && plan.video) tracks.push(await openTrack(av, video, plan.video, output));
    if (audio && plan.audio) tracks.push(await openTrack(av, audio, plan.audio, output));

    const maxSec = plan.maxSec;
    for await (const packet of input.packets()) {
      plan.signal?.throwIfAborted();
      if (!packet) break;
      try {
        const track = tracks.find((t) => t.stream.index === packet.streamIndex);
        if (!track || track.done) continue;
        for (const frame of await track.decoder.decodeAll(packet)) {
          if (maxSec !== undefined && pastEnd(track, frame, maxSec)) {
            frame.free();
            track.done = true;
            break;
          }
          await push(track, frame, output);
        }
      } finally {
        packet.free();
      }
      if (tracks.every((t) => t.done)) break;
    }
    for (const track of tracks) {
      if (!track.done) for (const frame of await track.decoder.decodeAll(null)) {
        if (maxSec !== undefined && pastEnd(track, frame, maxSec)) frame.free();
        else await push(track, frame, output);
      }
      for (const frame of await track.filter.processAll(null)) await encode(track, frame, output);
      for (const packet of await track.encoder.encodeAll(null)) await write(packet, track, output);
    }
  } finally {
    for (const track of tracks) {
      track.filter.close();
      track.encoder.close();
      track.decoder.close();
    }
    await output?.close().catch(() => undefined);
    await input.close().catch(() => undefined);
  }
}

async function openTrack(av: Av, stream: Stream, plan: TrackPlan, output: Muxer): Promise<Track> {
  const decoder = await av.Decoder.create(stream, { ...(plan.decoderOptions ? { options: plan.decoderOptions } : {}), threadCount: plan.threads ?? 0 } as never);
  const filter = av.FilterAPI.create(plan.filter, {});
  const encoder = await av.Encoder.create(plan.encoder as never, {
    ...(plan.bitrate ? { bitrate: plan.bitrate } : {}),
    ...(plan.maxRate ? { maxRate: plan.maxRate } : {}),
    ...(plan.bufSize ? { bufSize: plan.bufSize } : {}),
    ...(plan.gopSize ? { gopSize: plan.gopSize } : {}),
    ...(plan.options ? { options: plan.options } : {}),
    ...(plan.threads ? { threadCount: plan.threads } : {}),
  } as never);
  const outIndex = output.addStream(encoder);
  return { stream, decoder, filter, encoder, outIndex, done: false };
}

/** Whether `frame` starts at or after `maxSec` from the track's first frame. */
function pastEnd(track: Track, frame: Frame, maxSec: number): boolean {
  const pts = frame.pts;
  if (pts === undefined || pts < -(2n ** 62n)) return false;
  track.firstPts ??= pts;
  const tb = track.stream.timeBase;
  return (Number(pts - track.firstPts) * tb.num) / tb.den >= maxSec - 1e-6;
}

async function push(track: Track, frame: Frame, output: Muxer): Promise<void> {
  try {
    for (const filtered of await track.filter.processAll(frame)) await encode(track, filtered, output);
  } finally {
    frame.free();
  }
}

async function encode(track: Track, frame: Frame, output: Muxer): Promise<void> {
  try {
    for (const packet of await track.encoder.encodeAll(frame)) await write(packet, track, output);
  } finally {
    frame.free();
  }
}

async function write(packet: Packet, track: Track, output: Muxer): Promise<void> {
  try {
    await output.writePacket(packet, track.outIndex);
  } finally {
    packet.free();
  }
}
