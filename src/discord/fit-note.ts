/**
 * What is said with a video re-encoded to fit the server's upload limit (the sizes, the new
 * picture size, the original's link and how long it works), and the link sentences when the
 * video goes as a link instead. The delivery marker stays the last line (findDelivered reads it).
 */
import type { GenerationRecord, JobRecord } from '../core/jobs/job.js';
import type { FittedNote, OriginalLink } from '../core/jobs/ports.js';
import { code } from '../core/messages.js';
import { fitContent, videoSummary, type MessageBody } from './render.js';

const MiB = 1024 * 1024;
export const megabytes = (bytes: number) => `${(bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0)} MB`;

/** How long the original's link works, and what to do after. */
export function originalLifetime(job: JobRecord, original: OriginalLink): string {
  return original.keepsDays !== undefined
    ? `it works for ${original.keepsDays} days`
    : `Oxen's link, it expires within hours: save the video now; later, ask this bot's operator for the original of job ${code(job.id)}`;
}

export function fittedSummary(job: JobRecord, generation: GenerationRecord, note: FittedNote): MessageBody {
  const summary = videoSummary(job, generation);
  const lines = summary.content.split('\n');
  const footer = lines.pop();
  const fitted = `📦 Re-encoded to fit this server's ${megabytes(note.limitBytes)} upload limit: ${megabytes(note.originalBytes)} → ${megabytes(note.fittedBytes)}, ${note.width}×${note.height}.`;
  const original = `Original: <${note.original.url}> (${originalLifetime(job, note.original)})`;
  const content = fitContent([...lines, fitted, original, footer], lines.map((_, i) => i));
  return { ...summary, content };
}

/** The reason sentence's ending for a link to the original. */
export function linkLifetime(job: JobRecord, lasting: OriginalLink | undefined): string {
  return lasting ? `(${originalLifetime(job, lasting)})` : `(${originalLifetime(job, { url: '' })})`;
}
