/**
 * Remix: a finished video becomes `@Video1` of a new reference-to-video job, with the earlier
 * references of its job that still fit beside it. Which ones fit is decided from the job record
 * (kinds, sizes, lengths), before anything is downloaded; the video itself is fetched like a
 * delivery (Oxen is asked for a fresh result URL: the one it gave first has expired) and goes
 * through the reference pipeline as any upload does (sniff, probe, convert: a 1080p result
 * becomes 720p), only once the slot and budget are held.
 */
import type { GenerationRecord, JobRecord } from '../jobs/job.js';
import { checkReferenceLimits, REFERENCE_LIMITS, type MediaFacts, type ReferenceLimits } from '../references/limits.js';
import type { IncomingAttachment, ReferenceKind } from '../references/types.js';

/** Opens a finished generation's video: Oxen is asked for a fresh result URL each time. */
export interface ResultSource {
  open(generationId: string, signal?: AbortSignal): Promise<{ body: AsyncIterable<Uint8Array>; contentLength?: number }>;
}

/** An Oxen client as a ResultSource (getGeneration's row carries a freshly signed URL). */
export function oxenResults(oxen: {
  getGeneration(id: string, options?: { signal?: AbortSignal }): Promise<{ result_url?: string | null }>;
  openResult(url: string, options?: { signal?: AbortSignal }): Promise<{ body: AsyncIterable<Uint8Array> & { destroy(): void }; contentLength?: number }>;
}): ResultSource {
  return {
    async open(generationId, signal) {
      const row = await oxen.getGeneration(generationId, signal ? { signal } : {});
      if (!row.result_url) throw new Error(`generation ${generationId} has no result URL`);
      return oxen.openResult(row.result_url, signal ? { signal } : {});
    },
  };
}

/** The earlier reference left out of a remix, and why. */
export interface LeftOut {
  name: string;
  label: string;
  /** limits: it would not fit beside the video; gone: its file could not be fetched again. */
  reason: 'limits' | 'gone';
}

export interface RemixSelection {
  /** Indexes into the job's references, in order, that go with the video. */
  kept: number[];
  leftOut: LeftOut[];
  /** The job's prompt with its labels renumbered for the new job (the video is @Video1). */
  prompt: string;
  /** The kept references marked as showing a real person, by their labels in the new job (for `faces`). */
  faces: string[];
}

/** The video's file name as the new job shows it. */
export function resultFileName(job: Pick<JobRecord, 'id' | 'generations'>, index: number): string {
  return job.generations.length > 1 ? `seedance-${job.id}-${index}.mp4` : `seedance-${job.id}.mp4`;
}

/** The finished generation `index` (1-based) of a job, when it has a video. */
export function finishedGeneration(job: JobRecord, index: number): GenerationRecord | undefined {
  const generation = Number.isInteger(index) && index >= 1 ? job.generations[index - 1] : undefined;
  return generation?.status === 'succeeded' ? generation : undefined;
}

/**
 * Which earlier references go with generation `index`, in their order, each only if the limits
 * still hold with the video and those kept before it. A video of unknown length (`auto`) is
 * counted as the longest a reference video may be. `keep` narrows the choice (a retry keeps what
 * the remix kept); `available` false: the files could not be fetched again, none are kept.
 */
export function selectForRemix(job: JobRecord, index: number, options: { limits?: ReferenceLimits; keep?: readonly number[]; available?: boolean } = {}): RemixSelection {
  const limits = options.limits ?? REFERENCE_LIMITS;
  const seconds = typeof job.settings?.duration === 'number' ? job.settings.duration : limits.videos.maxSecondsTotal;
  const chosen: MediaFacts[] = [{ name: resultFileName(job, index), kind: 'video', size: 0, durationSec: seconds }];
  const kept: number[] = [];
  const leftOut: LeftOut[] = [];
  job.references.forEach((reference, i) => {
    if (options.available === false) return void leftOut.push({ name: reference.name, label: reference.label, reason: 'gone' });
    if (options.keep && !options.keep.includes(i)) return;
    const facts: MediaFacts = { name: reference.name, kind: reference.kind, size: reference.size, ...(reference.durationSec !== undefined ? { durationSec: reference.durationSec } : {}) };
    if (checkReferenceLimits([...chosen, facts], limits, { incomplete: true }).length > 0) return void leftOut.push({ name: reference.name, label: reference.label, reason: 'limits' });
    chosen.push(facts);
    kept.push(i);
  });
  const labels = newLabels(job, kept);
  const faces = kept.filter((i) => job.references[i]!.face).map((i) => labels.get(i)!);
  return { kept, leftOut, prompt: relabel(job, kept, labels), faces };
}

/** The label each kept reference gets in the remix: the video takes @Video1, so earlier videos move up one. */
function newLabels(job: JobRecord, kept: readonly number[]): Map<number, string> {
  const counts: Record<ReferenceKind, number> = { image: 0, video: 1, audio: 0 };
  return new Map(kept.map((i) => {
    const kind = job.references[i]!.kind;
    return [i, `@${KIND_WORDS[kind]}${++counts[kind]}`];
  }));
}

const KIND_WORDS: Record<ReferenceKind, string> = { image: 'Image', video: 'Video', audio: 'Audio' };

/**
 * The job's prompt (its labels are canonical, see planGeneration) with each kept reference's
 * label changed to the one it gets in the remix: the video takes @Video1, so earlier videos move
 * up one. A label of a reference left out becomes its file name, so it names nothing.
 */
function relabel(job: JobRecord, kept: readonly number[], labels: ReadonlyMap<number, string>): string {
  const renamed = new Map<string, string>();
  job.references.forEach((reference, i) => renamed.set(reference.label, kept.includes(i) ? labels.get(i)! : reference.name.replace(/@/g, '')));
  return job.request.prompt.replace(/@(?:Image|Video|Audio)\d+\b/g, (label) => renamed.get(label) ?? label);
}

/** The finished video as an attachment: streamed from Oxen (with the byte cap of any upload) when the core reads it. */
export function resultAttachment(source: ResultSource, job: JobRecord, index: number, generation: GenerationRecord): IncomingAttachment {
  return {
    name: resultFileName(job, index),
    contentType: 'video/mp4',
    async stream(signal) {
      return (await source.open(generation.id, signal)).body;
    },
    async download(signal) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of (await source.open(generation.id, signal)).body) chunks.push(chunk);
      return new Uint8Array(Buffer.concat(chunks));
    },
  };
}
