/**
 * A stand-in for a platform adapter (the Discord and Slack adapters are separate issues): it
 * implements the core's PlatformPort in memory, records every call, and reads every upload to
 * the last byte, as a real upload would.
 */
import type { GenerationRecord, JobRecord } from '../../src/core/jobs/job.js';
import type { JobView, LinkReason, PlatformPort, UploadOutcome, VideoFile } from '../../src/core/jobs/ports.js';

export interface RecordedUpload {
  jobId: string;
  generationId: string;
  fileName: string;
  bytes: Buffer;
}

export class RecordingPort implements PlatformPort {
  readonly platform = 'discord' as const;
  readonly statuses: { jobId: string; phase: JobView['phase']; position?: number }[] = [];
  readonly uploads: RecordedUpload[] = [];
  readonly links: { jobId: string; generationId: string; url: string; reason: string }[] = [];
  private threads = 0;
  /** Set to make openThread fail, as a channel without the needed permissions would. */
  openError?: Error;
  /** The largest upload the "thread" accepts. */
  limitBytes?: number;
  /** Runs before an upload is read (to crash or stall mid-upload in tests). */
  beforeUpload?: (job: JobRecord) => Promise<void>;

  async openThread(job: JobRecord, view: JobView) {
    if (this.openError) throw this.openError;
    this.threads++;
    this.statuses.push({ jobId: job.id, phase: view.phase, ...(view.position !== undefined ? { position: view.position } : {}) });
    return { statusMessageId: `status-${this.threads}`, threadId: `thread-${this.threads}` };
  }

  async updateStatus(job: JobRecord, view: JobView) {
    this.statuses.push({ jobId: job.id, phase: view.phase, ...(view.position !== undefined ? { position: view.position } : {}) });
  }

  async uploadVideo(job: JobRecord, video: VideoFile): Promise<UploadOutcome> {
    await this.beforeUpload?.(job);
    if (this.limitBytes !== undefined && video.size !== undefined && video.size > this.limitBytes) {
      video.body.destroy();
      return { kind: 'too_big', limitBytes: this.limitBytes };
    }
    const chunks: Buffer[] = [];
    for await (const chunk of video.body) chunks.push(Buffer.from(chunk as Uint8Array));
    this.uploads.push({ jobId: job.id, generationId: video.generation.id, fileName: video.fileName, bytes: Buffer.concat(chunks) });
    return { kind: 'uploaded' };
  }

  async postLink(job: JobRecord, generation: GenerationRecord, url: string, reason: LinkReason) {
    this.links.push({ jobId: job.id, generationId: generation.id, url, reason: typeof reason === 'string' ? reason : `not_allowed:${reason.notAllowed}` });
  }

  phasesOf(jobId: string): string[] {
    return this.statuses.filter((s) => s.jobId === jobId).map((s) => s.phase);
  }
}
