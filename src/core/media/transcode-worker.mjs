/**
 * The conversion worker thread (see transcode.ts): one plan from workerData, run with node-av's
 * blocking calls, then one message back. Plain JS, not TypeScript, on purpose: a worker that
 * registers the TS loader costs ~40 MB more and seconds more to start on this 2-core machine.
 *
 * Blocking calls on a thread of its own cost nothing, while node-av's async calls cost a trip
 * through libuv's thread pool and a promise for every packet and frame: a 1080p clip to 720p took
 * 12-14 s of CPU through them and 7-8 s here. The one async call left is the encoder's send (its
 * sync twin, node-av 6.1.1 sendFrameSync, leaves something that crashes the thread when it ends),
 * and it is put to use: while the encoder works on a pool thread, this thread decodes and filters
 * the next frame, so a conversion keeps two cores busy without FFmpeg's frame threads, each of
 * which holds frames of its own (see encode()).
 */
import { parentPort, workerData } from 'node:worker_threads';

const { plan, stop } = workerData;
const stopFlag = new Int32Array(stop);

class Stopped extends Error {}
/** Decoded frames further apart than the plan allows (see TrackPlan.maxFrameGapSec). */
class Uneven extends Error {}

let result;
try {
  // The parts used, not the whole package (which loads WebRTC, Whisper...): the worker starts in
  // about half the time.
  const [api, lib, constants] = await Promise.all([import('node-av/api'), import('node-av/lib'), import('node-av/constants')]);
  lib.Log.setLevel(constants.AV_LOG_ERROR);
  const av = { Demuxer: api.Demuxer, Muxer: api.Muxer, Decoder: api.Decoder, Encoder: api.Encoder, FilterAPI: api.FilterAPI };
  const decodedVideoFrames = await run(av, plan, () => Atomics.load(stopFlag, 0) !== 0);
  result = { ok: true, decodedVideoFrames };
} catch (error) {
  result = { ok: false, stopped: error instanceof Stopped, uneven: error instanceof Uneven, message: error instanceof Error ? error.message : String(error) };
}
parentPort.postMessage(result);

async function run(av, plan, stopped) {
  const input = av.Demuxer.openSync(plan.input);
  const tracks = [];
  let output;
  try {
    output = av.Muxer.openSync(plan.output, { format: plan.format, ...(plan.muxerOptions ? { options: plan.muxerOptions } : {}) });
    const video = plan.video ? input.video() : undefined;
    const audio = plan.audio ? input.audio() : undefined;
    if (plan.video && !video) throw new Error('no video stream');
    if (plan.audio && !audio && !plan.video) throw new Error('no audio stream');
    if (video && plan.video) tracks.push(openTrack(av, video, plan.video, output));
    if (audio && plan.audio) tracks.push(openTrack(av, audio, plan.audio, output));

    for (const packet of input.packetsSync()) {
      if (!packet) break;
      try {
        if (stopped()) throw new Stopped('conversion stopped');
        const track = tracks.find((t) => t.stream.index === packet.streamIndex);
        if (!track || track.done) continue;
        await decoded(track, track.decoder.decodeAllSync(packet), plan.maxSec, output);
      } finally {
        packet.free();
      }
      if (tracks.every((t) => t.done)) break;
    }
    for (const track of tracks) {
      if (!track.done) await decoded(track, track.decoder.decodeAllSync(null), plan.maxSec, output);
      track.filter.processSync(null);
      for (let frame = track.filter.receiveSync(); frame; frame = track.filter.receiveSync()) await encode(track, frame, output);
      await settle(track, output);
      await track.encoder.flush();
      drain(track, output);
    }
    return tracks.find((track) => track.stream === video)?.decodedFrames ?? 0;
  } finally {
    // After a stop or an error an encode may still be running on the pool: it ends before its encoder closes.
    for (const track of tracks) await track.inFlight?.done.catch(() => undefined);
    for (const track of tracks) {
      track.inFlight?.frame.free();
      track.filter.close();
      track.encoder.close();
      track.decoder.close();
    }
    try {
      output?.closeSync();
    } finally {
      input.closeSync();
    }
  }
}

function openTrack(av, stream, plan, output) {
  const decoder = av.Decoder.createSync(stream, {
    // Set on the context, not passed as `options`: node-av 6.1.1 frees a decoder's options
    // dictionary twice (glibc aborts with "double free" when the thread or process ends).
    ...(plan.decoderOptions ? { configure: (context) => setOptions(context, plan.decoderOptions) } : {}),
    context: { threadCount: plan.decoderThreads ?? plan.threads ?? 0, ...plan.decoderContext },
  });
  const filterThreads = plan.filterThreads ?? plan.threads;
  const filter = av.FilterAPI.create(plan.filter, filterThreads !== undefined ? { graph: { nbThreads: filterThreads } } : {});
  const encoder = av.Encoder.createSync(plan.encoder, {
    ...(plan.bitrate ? { bitrate: plan.bitrate } : {}),
    ...(plan.maxRate ? { maxRate: plan.maxRate } : {}),
    ...(plan.bufSize ? { bufSize: plan.bufSize } : {}),
    ...(plan.gopSize ? { gopSize: plan.gopSize } : {}),
    ...(plan.options ? { options: plan.options } : {}),
    ...((plan.encoderThreads ?? plan.threads) ? { threadCount: plan.encoderThreads ?? plan.threads } : {}),
  });
  return { stream, decoder, filter, encoder, outIndex: output.addStream(encoder), firstPts: undefined, done: false, maxGapSec: plan.maxFrameGapSec, lastSec: undefined, decodedFrames: 0 };
}

function setOptions(context, options) {
  for (const [name, value] of Object.entries(options)) {
    if (context.setOption(name, String(value)) < 0) throw new Error(`the decoder does not take ${name}=${value}`);
  }
}

/** Each decoded frame filtered and encoded, up to `maxSec` from the track's first frame; every frame freed. */
async function decoded(track, frames, maxSec, output) {
  for (const frame of frames) {
    try {
      if (!track.done && maxSec !== undefined && pastEnd(track, frame, maxSec)) track.done = true;
      if (track.done) continue;
      track.decodedFrames++;
      if (track.maxGapSec !== undefined) checkGap(track, frame);
      for (const filtered of track.filter.processAllSync(frame)) await encode(track, filtered, output);
    } finally {
      frame.free();
    }
  }
}

function checkGap(track, frame) {
  const pts = frame.pts;
  if (pts === undefined || pts < -(2n ** 62n)) return;
  const tb = track.stream.timeBase;
  const seconds = (Number(pts) * tb.num) / tb.den;
  if (track.lastSec !== undefined && seconds - track.lastSec > track.maxGapSec) {
    throw new Uneven(`decoded frames ${(seconds - track.lastSec).toFixed(3)} s apart at ${seconds.toFixed(3)} s`);
  }
  track.lastSec = seconds;
}

function pastEnd(track, frame, maxSec) {
  const pts = frame.pts;
  if (pts === undefined || pts < -(2n ** 62n)) return false;
  track.firstPts ??= pts;
  const tb = track.stream.timeBase;
  return (Number(pts - track.firstPts) * tb.num) / tb.den >= maxSec - 1e-6;
}

/**
 * Hands `frame` to the encoder, which runs on a thread of libuv's pool while this thread goes on
 * decoding and filtering the next one; the encode before it is finished first (its frame freed,
 * its packets written), so at most one frame per track is in flight.
 */
async function encode(track, frame, output) {
  try {
    await settle(track, output);
  } catch (error) {
    frame.free();
    throw error;
  }
  const done = track.encoder.encode(frame);
  done.catch(() => undefined); // awaited in settle(); until then a failure must not count as unhandled
  track.inFlight = { frame, done };
}

async function settle(track, output) {
  const inFlight = track.inFlight;
  if (!inFlight) return;
  try {
    await inFlight.done;
  } finally {
    track.inFlight = undefined;
    inFlight.frame.free();
  }
  drain(track, output);
}

function drain(track, output) {
  for (let packet = track.encoder.receiveSync(); packet; packet = track.encoder.receiveSync()) {
    try {
      output.writePacketSync(packet, track.outIndex);
    } finally {
      packet.free();
    }
  }
}
