/**
 * Which job a button or form names and whether the person may control it, and Retry itself (also
 * Edit prompt's): shared by the buttons and the Edit prompt form.
 */
import { isJobId, type JobRecord } from '../core/jobs/job.js';
import { describeProblem } from '../core/messages.js';
import type { Problem } from '../core/result.js';
import { attachmentOf, decodeOrigin, filesByIds } from './files.js';
import { actorOf, type Flow } from './flow.js';
import { describeSlackProblems } from './sentences.js';
import { escapeText } from './text.js';

export type Reply = (text: string) => Promise<unknown>;

export const sentence = (...problems: Problem[]) => escapeText(problems.map(describeProblem).join('\n'));

/** The job a button names, when the value is a job id of this workspace; otherwise the person is told. */
export async function workspaceJob(flow: Flow, value: string, teamId: string | undefined, reply: Reply): Promise<JobRecord | undefined> {
  const notFound = () => reply(sentence({ code: 'job.not_found', params: { id: value.slice(0, 20) } }));
  if (!isJobId(value)) return void (await notFound());
  const status = await flow.service().status(value);
  if (!status.ok) return void (await reply(sentence(...status.problems)));
  const job = status.value.job;
  if (!inWorkspace(job, teamId)) return void (await notFound());
  return job;
}

/** A job of this workspace (ids in buttons and forms come from outside: another workspace's job is "not found"). */
export const inWorkspace = (job: JobRecord, teamId: string | undefined) => job.requester.platform === 'slack' && (teamId === undefined || job.requester.scopeId === teamId);

/** The job, when the person may control it (its owner, or an admin). */
export async function ownedJob(flow: Flow, value: string, body: { user: { id: string; team_id?: string }; team?: { id: string } | null }, reply: Reply): Promise<JobRecord | undefined> {
  const job = await workspaceJob(flow, value, body.team?.id ?? body.user.team_id, reply);
  if (!job) return undefined;
  if (!mayControl(flow, job, body.user.id)) return void (await reply(sentence({ code: 'job.not_owner', params: { id: job.id } })));
  return job;
}

export function mayControl(flow: Flow, job: JobRecord, userId: string): boolean {
  return (job.requester.platform === 'slack' && job.requester.userId === userId) || flow.service().isAdmin(actorOf(userId));
}

/** Retry and Edit prompt: the same request (with the new prompt) and the same Slack files, fetched again by id. */
export async function retryJob(flow: Flow, job: JobRecord, userId: string, reply: Reply, prompt?: string): Promise<void> {
  // A remix's earlier files are those of the job it remixed (its video is fetched again by the core).
  const source = job.remixOf ? await flow.service().status(job.remixOf.jobId) : undefined;
  const wanted = decodeOrigin(source ? (source.ok ? source.value.job.origin : undefined) : job.origin).files ?? [];
  const files = await filesByIds(flow.client, wanted);
  if (files.length < wanted.length) return void (await reply(sentence({ code: 'job.retry_needs_files', params: { id: job.id } })));
  const result = await flow.service().retry(job.id, actorOf(userId), {
    ...(files.length > 0 ? { attachments: files.map((f) => attachmentOf(f, flow.access)) } : {}),
    ...(prompt !== undefined ? { prompt } : {}),
  });
  if (!result.ok) await reply(escapeText(describeSlackProblems(result.problems, flow.port.takePostFailure(job.destination.channelId), flow.botName())));
}
