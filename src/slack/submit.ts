/**
 * One request into the core: the files become attachments (downloaded with the bot token by the
 * core, after every cheap check), the job is submitted, and every problem goes back to the person
 * at once, privately, through `reply`.
 */
import type { GenerationRequest } from '../core/request.js';
import type { Submitted } from '../core/service.js';
import { attachmentOf, encodeOrigin, type SlackFile } from './files.js';
import type { Flow } from './flow.js';
import { describeSlackProblems } from './sentences.js';
import { escapeText } from './text.js';

export interface SlackRequest {
  request: GenerationRequest;
  files: readonly SlackFile[];
  userId: string;
  teamId: string;
  channel: string;
  /** The thread the request came from, where the status message goes. */
  thread?: string;
  /** Sends a private answer to the person. */
  reply(text: string): Promise<unknown>;
}

export async function submitRequest(flow: Flow, input: SlackRequest): Promise<Submitted | undefined> {
  const origin = encodeOrigin({ ...(input.thread ? { thread: input.thread } : {}), files: input.files.map((f) => f.id) });
  const result = await flow.service().submit({
    request: input.request,
    attachments: input.files.map((f) => attachmentOf(f, flow.access)),
    requester: { platform: 'slack', userId: input.userId, scopeId: input.teamId },
    destination: { platform: 'slack', channelId: input.channel },
    ...(origin ? { origin } : {}),
    membership: { inAnyGroup: (groups) => inAnyGroup(flow, input.userId, groups) },
  });
  if (!result.ok) {
    await input.reply(escapeText(describeSlackProblems(result.problems, flow.port.takePostFailure(input.channel), flow.botName())));
    return undefined;
  }
  flow.log.info('slack.job_submitted', { job: result.value.job.id, channel: input.channel, files: input.files.length });
  return result.value;
}

/** Whether the person is in one of these user groups (usergroups.users.list, one call per group). */
async function inAnyGroup(flow: Flow, userId: string, groups: readonly string[]): Promise<boolean> {
  for (const usergroup of groups) {
    try {
      const listed = await flow.client.usergroups.users.list({ usergroup });
      if (listed.users?.includes(userId)) return true;
    } catch (error) {
      flow.log.warn('slack.usergroup_failed', { usergroup, error });
    }
  }
  return false;
}

/** Files once each, in order (a file may be on the pointed message and the mention). */
export function uniqueFiles(files: readonly SlackFile[]): SlackFile[] {
  const seen = new Set<string>();
  return files.filter((f) => !seen.has(f.id) && (seen.add(f.id), true));
}
