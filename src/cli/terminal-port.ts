/**
 * The core's PlatformPort for `generate`: the "thread" is the terminal and the upload is a file.
 * The engine streams the result from Oxen into it exactly as it streams one into a chat thread;
 * the file is written under a temporary name and renamed, so PATH is never half a video.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { extname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { GenerationRecord, JobRecord } from '../core/jobs/job.js';
import type { JobView, LinkReason, PlatformPort, UploadOutcome, VideoFile } from '../core/jobs/ports.js';
import type { Progress } from './progress.js';

export interface SavedVideo {
  generationId: string;
  path: string;
  bytes: number;
}

/** PATH for one generation, PATH-2.mp4 … for the others of a --count above 1. */
export function outPathFor(out: string, index: number): string {
  if (index <= 1) return out;
  const ext = extname(out);
  return `${ext ? out.slice(0, -ext.length) : out}-${index}${ext}`;
}

export class TerminalPort implements PlatformPort {
  readonly platform = 'cli' as const;
  readonly saved: SavedVideo[] = [];
  readonly links: { generationId: string; url: string; reason: string }[] = [];
  private announced = new Set<string>();

  constructor(
    private readonly out: string,
    private readonly progress: Progress,
  ) {}

  async openThread(_job: JobRecord, view: JobView) {
    this.show(view);
    return { statusMessageId: 'terminal' };
  }

  async updateStatus(_job: JobRecord, view: JobView): Promise<void> {
    this.show(view);
  }

  async uploadVideo(job: JobRecord, video: VideoFile): Promise<UploadOutcome> {
    const path = outPathFor(this.out, job.generations.indexOf(video.generation) + 1);
    const partial = `${path}.part`;
    let written = 0;
    const counting = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        written += chunk.length;
        this.progress.bytes(written, video.size);
        done(null, chunk);
      },
    });
    try {
      await pipeline(video.body, counting, createWriteStream(partial), ...(video.signal ? [{ signal: video.signal }] : []));
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    this.saved.push({ generationId: video.generation.id, path, bytes: written });
    return { kind: 'uploaded' };
  }

  async postLink(_job: JobRecord, generation: GenerationRecord, url: string, reason: LinkReason): Promise<void> {
    this.links.push({ generationId: generation.id, url, reason: typeof reason === 'string' ? reason : reason.notAllowed });
    this.progress.say(`Could not save generation ${generation.id} to a file; Oxen has it at ${url}`);
  }

  /** The generation ids as soon as Oxen gives them: they are what Oxen bills and what a cancel needs. */
  private show(view: JobView): void {
    for (const g of view.job.generations) {
      if (this.announced.has(g.id)) continue;
      this.announced.add(g.id);
      this.progress.say(`queued at Oxen: generation ${g.id} (job ${view.job.id})`);
    }
    this.progress.phase(view.phase, view.elapsedSec);
  }
}
