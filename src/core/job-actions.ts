/**
 * The buttons a job's messages carry, the same on every platform: one list per place, so an action
 * added here (Remix) reaches Discord's and Slack's rows at once. Each adapter gives every action
 * its own label and id (Discord custom ids, Slack action ids) and its handler.
 */
export const JOB_ACTIONS = ['cancel', 'retry', 'edit', 'params'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

export const isJobAction = (text: string): text is JobAction => (JOB_ACTIONS as readonly string[]).includes(text);

/** On the status message while the job runs. */
export const RUNNING_ACTIONS: readonly JobAction[] = ['cancel', 'edit', 'params'];
/** On the status message once the job ended (done, failed, cancelled, timed out). */
export const ENDED_ACTIONS: readonly JobAction[] = ['retry', 'edit', 'params'];
/** With each delivered video (the file, or the link that stands for it). */
export const DELIVERED_ACTIONS: readonly JobAction[] = ['retry', 'edit', 'params'];

/** Buttons only the person who started the job (or an admin) may use; the others are open to all. */
export const OWNER_ACTIONS: ReadonlySet<JobAction> = new Set(['cancel', 'retry', 'edit']);

export const ACTION_LABELS: Readonly<Record<JobAction, string>> = {
  cancel: 'Cancel',
  retry: 'Retry',
  edit: 'Edit prompt',
  params: 'Parameters',
};

/**
 * Remix goes with each delivered video, before Parameters (and on a recalled job, once per video):
 * its id carries the video's number as well as the job's, so it is not one of JOB_ACTIONS.
 * Owner only, like Retry (src/core/recall/remix.ts).
 */
export const remixLabel = (index: number, of: number) => (of > 1 ? `Remix ${index}` : 'Remix');
