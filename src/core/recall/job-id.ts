/**
 * A job id typed by a person (`/jobs id:…`, `/video show …`): outside input, so bounded and checked
 * before any store read. Accepted as the status messages show it: `Job k3m9qz`, with or without
 * the backticks, `#`, surrounding spaces or capitals.
 */
import { isJobId } from '../jobs/job.js';

/** Longer input is not looked at (an id is 6 characters; this leaves room for `Job` and quotes). */
export const JOB_ID_INPUT_MAX = 40;

/** The id, or undefined when the text is not one. */
export function readJobId(text: string): string | undefined {
  if (text.length > JOB_ID_INPUT_MAX) return undefined;
  const bare = text
    .trim()
    .replace(/^job\s+/i, '')
    .replace(/^[`'"#]+|[`'".]+$/g, '')
    .trim()
    .toLowerCase();
  return isJobId(bare) ? bare : undefined;
}

/** Typed input echoed back in a refusal: short, on one line. */
export const echoedId = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 20);
