/**
 * Custom ids of buttons and modals. They carry the action and the job id (or the target message),
 * so a click works after a restart, on any instance, with no per-message state in memory.
 */

import { isJobAction, type JobAction } from '../core/job-actions.js';

export type { JobAction };
import { isJobId } from '../core/jobs/job.js';
import { COUNT_MAX } from '../core/request.js';

export type ParsedCustomId =
  | { kind: 'job'; action: JobAction; jobId: string }
  | { kind: 'edit-modal'; jobId: string }
  /** Remix of video `index` (1-based: which of the job's videos) of a job: the button, and its form. */
  | { kind: 'remix'; jobId: string; index: number }
  | { kind: 'remix-modal'; jobId: string; index: number }
  /** `fileCount` is how many files the target had when the form opened (absent in forms from older versions). */
  | { kind: 'make-modal'; channelId: string; messageId: string; fileCount?: number };

export const jobButtonId = (action: JobAction, jobId: string) => `job:${action}:${jobId}`;
export const editModalId = (jobId: string) => `modal:edit:${jobId}`;
export const makeModalId = (channelId: string, messageId: string, fileCount: number) => `modal:make:${channelId}:${messageId}:${fileCount}`;

export const remixButtonId = (jobId: string, index: number) => `remix:${jobId}:${index}`;
export const remixModalId = (jobId: string, index: number) => `modal:remix:${jobId}:${index}`;

/** A job id and video number from a custom id (it comes back from the client: checked, not trusted). */
function jobAndIndex(jobId: string | undefined, index: string | undefined): { jobId: string; index: number } | undefined {
  if (!jobId || !isJobId(jobId) || !index || !/^[1-9]$/.test(index) || Number(index) > COUNT_MAX) return undefined;
  return { jobId, index: Number(index) };
}

export function parseCustomId(customId: string): ParsedCustomId | undefined {
  if (customId.length > 100) return undefined;
  const parts = customId.split(':');
  if (parts[0] === 'remix' && parts.length === 3) {
    const target = jobAndIndex(parts[1], parts[2]);
    return target ? { kind: 'remix', ...target } : undefined;
  }
  if (parts[0] === 'modal' && parts[1] === 'remix' && parts.length === 4) {
    const target = jobAndIndex(parts[2], parts[3]);
    return target ? { kind: 'remix-modal', ...target } : undefined;
  }
  if (parts[0] === 'job' && parts.length === 3 && isJobAction(parts[1]!)) {
    return { kind: 'job', action: parts[1] as JobAction, jobId: parts[2]! };
  }
  if (parts[0] === 'modal' && parts[1] === 'edit' && parts.length === 3) return { kind: 'edit-modal', jobId: parts[2]! };
  if (parts[0] === 'modal' && parts[1] === 'make' && (parts.length === 4 || parts.length === 5) && parts.slice(2).every((p) => /^\d{1,20}$/.test(p))) {
    return { kind: 'make-modal', channelId: parts[2]!, messageId: parts[3]!, ...(parts[4] !== undefined ? { fileCount: Number(parts[4]) } : {}) };
  }
  return undefined;
}
