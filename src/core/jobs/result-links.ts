/**
 * The bot's own lasting link to a finished video's original:
 * `<PUBLIC_BASE_URL>/results/<job id>/<n>/<token>/seedance-<job id>.mp4`. Oxen's result URL is
 * signed and expires within hours, so the link names the job instead, and the bot (any replica on
 * the same store) looks the generation up and asks Oxen for a fresh URL when it is opened
 * (src/server/results-route.ts). The token is an HMAC of the job and index under a key derived
 * from the Oxen API key: unguessable, the same on every replica, nothing stored, and the key
 * itself never leaves. The link works as long as the job record is kept (JOB_RETENTION_DAYS).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isJobId, type GenerationRecord, type JobRecord } from './job.js';
import type { OriginalLink } from './ports.js';

export const RESULTS_PATH = '/results/';
const TOKEN_LENGTH = 22;
const PATH = /^\/results\/([a-hj-km-np-z2-9]{6})\/([1-4])\/([A-Za-z0-9_-]{22})(?:\/[A-Za-z0-9._-]{1,80})?$/;

export interface ResultLinksOptions {
  publicBaseUrl: string;
  /** The Oxen API key: only an HMAC key derived from it is kept. */
  secret: string;
  /** How long job records are kept: the link's life. */
  keepsMs: number;
}

export interface ResultAddress {
  jobId: string;
  /** 1-based index of the generation in the job. */
  index: number;
}

export class ResultLinks {
  private readonly key: Buffer;
  private readonly base: string;
  readonly keepsDays: number;

  constructor(options: ResultLinksOptions) {
    this.key = createHmac('sha256', options.secret).update('seedance-bot result links v1').digest();
    this.base = new URL(options.publicBaseUrl).href.replace(/\/+$/, '');
    this.keepsDays = Math.max(1, Math.floor(options.keepsMs / 86_400_000));
  }

  linkFor(job: JobRecord, generation: GenerationRecord): OriginalLink | undefined {
    const index = job.generations.findIndex((g) => g.id === generation.id) + 1;
    if (index < 1 || index > 4 || !isJobId(job.id)) return undefined;
    return { url: `${this.base}${RESULTS_PATH}${job.id}/${index}/${this.token(job.id, index)}/seedance-${job.id}.mp4`, keepsDays: this.keepsDays };
  }

  /** The job and index a request path names, when its token is right; otherwise undefined. */
  parse(path: string): ResultAddress | undefined {
    const match = PATH.exec(path);
    if (!match) return undefined;
    const [, jobId, index, token] = match as unknown as [string, string, string, string];
    const expected = Buffer.from(this.token(jobId, Number(index)));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected) ? { jobId, index: Number(index) } : undefined;
  }

  private token(jobId: string, index: number): string {
    return createHmac('sha256', this.key).update(`${jobId}/${index}`).digest('base64url').slice(0, TOKEN_LENGTH);
  }
}
