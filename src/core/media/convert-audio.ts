/**
 * Any audio FFmpeg decodes (OGG/Opus voice messages, M4A/AAC, FLAC, WebM audio, or the sound of a
 * video) -> MP3, which Seedance takes: stereo, 44.1 kHz, 192 kb/s, cut after `maxSec`.
 */
import type { NodeAv } from './binding.js';
import { transcode } from './transcode.js';

export const AUDIO_BITS_PER_SECOND = 192_000;

export interface AudioConversion {
  input: string;
  output: string;
  maxSec?: number;
  signal?: AbortSignal;
}

export async function convertAudio(av: NodeAv, job: AudioConversion): Promise<void> {
  await transcode(av, {
    input: job.input,
    output: job.output,
    format: 'mp3',
    ...(job.maxSec !== undefined ? { maxSec: job.maxSec } : {}),
    ...(job.signal ? { signal: job.signal } : {}),
    audio: {
      // libmp3lame takes 1152 samples a frame.
      filter: 'aresample=44100,aformat=sample_fmts=fltp:channel_layouts=stereo,asetnsamples=n=1152:p=0',
      encoder: 'libmp3lame',
      bitrate: AUDIO_BITS_PER_SECOND,
    },
  });
}
