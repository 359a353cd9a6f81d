/**
 * Shared by every flow that starts a video: submit to the core, turn problems into one message,
 * and (for `/video` files, which Discord deletes after a while) post the references into the
 * job's thread so Retry can find them again.
 */
import { Routes, type REST } from 'discord.js';
import type { Requester } from '../core/jobs/job.js';
import type { Logger } from '../core/log.js';
import { DISCORD_TEXT_LIMIT, problemDescriber } from '../core/messages.js';
import type { IncomingAttachment } from '../core/references/types.js';
import type { GenerationRequest } from '../core/request.js';
import type { Problem } from '../core/result.js';
import type { Submitted, VideoService } from '../core/service.js';
import { encodeOrigin, referencesMarker, toIncoming, type DiscordFile, type Origin } from './attachments.js';
import { discordProblemSentence } from './errors.js';
import { NO_MENTIONS, referenceLine } from './render.js';

/** Discord has no `/video help` or `/video cancel`: the options are in the command and Cancel is a button. */
export const discordSentences = problemDescriber(
  {
    help: 'The options of `/video` list what is possible.',
    cancel: 'press Cancel on its status message',
    jobs: '`/jobs` lists yours.',
    settings: '`/video-settings`',
    server: 'server',
  },
  DISCORD_TEXT_LIMIT,
);

/** Problems as one message; a refused status post gets the specific Discord sentence. */
export function problemsText(problems: readonly Problem[]): string {
  const posting = problems.find((p) => p.code === 'platform.cannot_post');
  if (posting) {
    const specific = discordProblemSentence(String(posting.params?.['reason'] ?? ''));
    return specific ? `I could not start this video: ${specific} Nothing was spent.` : discordSentences.problem(posting);
  }
  return discordSentences.problems(problems);
}

/** Problems that are not about a new request (cancel, retry refusals): one sentence each. */
export function sentences(problems: readonly Problem[]): string {
  return problems.map(discordSentences.problem).join('\n');
}

export interface StartInput {
  request: GenerationRequest;
  files: readonly DiscordFile[];
  requester: Requester;
  channelId: string;
  origin?: Origin;
  retryOf?: { id: string; actor: { platform: 'discord'; userId: string }; prompt?: string };
  /** The member's roles, for a server's "who may use the bot". */
  membership?: { groups: readonly string[] };
}

export type Started = { ok: true; value: Submitted } | { ok: false; text: string };

/**
 * The most of `/video` files kept in memory to post into the thread: 10 MiB, what a message may
 * carry on any server (port.ts, limitForTier). Later files (a 200 MB phone clip) are not kept:
 * the post could not carry them, and holding them would put the whole file in memory.
 */
export const KEPT_FILES_MAX_BYTES = 10 * 1024 * 1024;

export async function startVideo(deps: { service: VideoService; rest: REST; log: Logger }, input: StartInput): Promise<Started> {
  // For `/video` files, keep the bytes the core downloads, to post them into the thread.
  const kept = new Map<number, Uint8Array>();
  const keepFiles = input.origin?.kind === 'thread';
  let keeping = 0;
  const attachments: IncomingAttachment[] = input.files.map((f, i) => {
    const keep = keepFiles && keeping + f.size <= KEPT_FILES_MAX_BYTES;
    if (keep) keeping += f.size;
    return toIncoming(f, keep ? (bytes) => kept.set(i, bytes) : undefined);
  });
  const result = input.retryOf
    ? await deps.service.retry(input.retryOf.id, input.retryOf.actor, { attachments, ...(input.retryOf.prompt !== undefined ? { prompt: input.retryOf.prompt } : {}), ...(input.membership ? { membership: input.membership } : {}) })
    : await deps.service.submit({
        request: input.request,
        attachments,
        requester: input.requester,
        destination: { platform: 'discord', channelId: input.channelId },
        ...(input.origin ? { origin: encodeOrigin(input.origin) } : {}),
        ...(input.membership ? { membership: input.membership } : {}),
      });
  if (!result.ok) return { ok: false, text: input.retryOf ? retryProblems(result.problems) : problemsText(result.problems) };
  if (keepFiles && kept.size > 0 && result.value.job.destination.threadId) {
    void postReferences(deps, result.value, input.files, kept).catch((error: unknown) => deps.log.warn('discord.references_post_failed', { job: result.value.job.id, error }));
  }
  return { ok: true, value: result.value };
}

function retryProblems(problems: readonly Problem[]): string {
  const simple = problems.every((p) => p.code.startsWith('job.'));
  return simple ? sentences(problems) : problemsText(problems);
}

async function postReferences(deps: { rest: REST }, submitted: Submitted, files: readonly DiscordFile[], kept: Map<number, Uint8Array>): Promise<void> {
  const { job, mapping } = submitted;
  const entries = [...kept.entries()].sort((a, b) => a[0] - b[0]);
  const content = [`-# ${referencesMarker(job.id)} (kept so that Retry can use them again)`, referenceLine(mapping)].filter(Boolean).join('\n');
  await deps.rest.post(Routes.channelMessages(job.destination.threadId!), {
    body: { content, allowed_mentions: NO_MENTIONS, attachments: entries.map(([i], n) => ({ id: n, filename: files[i]!.name })) },
    files: entries.map(([i, bytes]) => ({ name: files[i]!.name, data: Buffer.from(bytes), ...(files[i]!.contentType ? { contentType: files[i]!.contentType } : {}) })),
  });
}
