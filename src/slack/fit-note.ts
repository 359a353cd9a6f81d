/**
 * What is said with a video re-encoded to fit the workspace's file limit (the sizes, the new
 * picture size, the original's link and how long it works), and the link message when the
 * original goes as the bot's own lasting link.
 */
import type { JobRecord } from '../core/jobs/job.js';
import type { FittedNote, OriginalLink } from '../core/jobs/ports.js';
import { escapeText } from './text.js';
import { DELIVERED_ACTIONS } from '../core/job-actions.js';
import { buttonRow, fitSection, settingsLine, type Rendered } from './render.js';

const MiB = 1024 * 1024;
const megabytes = (bytes: number) => `${(bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0)} MB`;
const linkTo = (url: string, label: string) => `<${url.replace(/[<>|]/g, encodeURIComponent)}|${label}>`;

export function originalLifetime(job: JobRecord, original: OriginalLink): string {
  return original.keepsDays !== undefined
    ? `the link works for ${original.keepsDays} days`
    : `Oxen's link, it expires within hours: save the video now; later, ask this bot's operator for the original of job \`${job.id}\``;
}

/** The lines added to the delivery comment of a re-encoded copy. */
export function fittedLines(job: JobRecord, note: FittedNote): string {
  return [
    `:package: Re-encoded to fit this workspace's file limit: ${megabytes(note.originalBytes)} → ${megabytes(note.fittedBytes)}, ${note.width}×${note.height}.`,
    `${linkTo(note.original.url, 'Original video')} (${escapeText(originalLifetime(job, note.original))})`,
  ].join('\n');
}

/** A link to the original that keeps working, instead of the file. */
export function lastingLinkMessage(job: JobRecord, url: string, reason: string, original: OriginalLink, ordinal = ''): Rendered {
  const text = fitSection(
    [`<@${job.requester.userId}> ${reason} Here is the original: ${linkTo(url, 'download the video')} (${escapeText(originalLifetime(job, original))}).`, `Job \`${job.id}\`${ordinal} · ${escapeText(settingsLine(job))}`],
    [1],
  );
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } }, buttonRow(`delivered:${job.id}`, job.id, DELIVERED_ACTIONS)] };
}
