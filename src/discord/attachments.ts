/**
 * Discord attachments as the core's IncomingAttachment, and the `origin` note that lets Retry
 * fetch the same files again: the messages they came from (reply and context-menu flows), or
 * the references message the bot posts in the job's thread (`/video` attachment options, which
 * are ephemeral and gone after a while).
 */
import { Routes, type APIAttachment, type APIMessage, type Attachment, type REST } from 'discord.js';
import { BotError } from '../core/errors.js';
import type { JobRecord } from '../core/jobs/job.js';
import type { IncomingAttachment } from '../core/references/types.js';

export interface DiscordFile {
  name: string;
  size: number;
  contentType?: string;
  url: string;
  ephemeral: boolean;
}

export const fromDiscordJs = (a: Attachment): DiscordFile => ({ name: a.name, size: a.size, ...(a.contentType ? { contentType: a.contentType } : {}), url: a.url, ephemeral: a.ephemeral });
export const fromApi = (a: APIAttachment): DiscordFile => ({ name: a.filename, size: a.size, ...(a.content_type ? { contentType: a.content_type } : {}), url: a.url, ephemeral: a.ephemeral ?? false });

/** When a signed CDN URL stops working (`ex`, hex seconds). */
export function expiryOf(url: string): Date | undefined {
  try {
    const ex = new URL(url).searchParams.get('ex');
    return ex && /^[0-9a-f]+$/i.test(ex) ? new Date(parseInt(ex, 16) * 1000) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Streamed (the core writes it to a file as it comes). `keep` receives the whole bytes once read
 * (to post them again as the job's references): give it only for files small enough to post.
 * Ephemeral files get no public URL: Discord removes them after an undocumented while.
 */
export function toIncoming(file: DiscordFile, keep?: (bytes: Uint8Array) => void): IncomingAttachment {
  const expiresAt = expiryOf(file.url);
  const open = async (signal?: AbortSignal) => {
    const response = await fetch(file.url, signal ? { signal } : {});
    if (!response.ok) {
      await response.body?.cancel();
      throw new BotError('discord.download_failed', `Discord's CDN answered ${response.status} for ${file.name}`);
    }
    return response;
  };
  return {
    name: file.name,
    size: file.size,
    ...(file.contentType ? { contentType: file.contentType } : {}),
    async download(signal?: AbortSignal) {
      const bytes = new Uint8Array(await (await open(signal)).arrayBuffer());
      keep?.(bytes);
      return bytes;
    },
    async stream(signal?: AbortSignal) {
      const body = ((await open(signal)).body ?? []) as AsyncIterable<Uint8Array>;
      return keep ? keeping(body, keep) : body;
    },
    ...(file.ephemeral ? {} : { publicUrl: { url: file.url, ...(expiresAt ? { expiresAt } : {}) } }),
  };
}

/** Passes the pieces on, and hands them to `keep` joined once the whole file has come. */
async function* keeping(body: AsyncIterable<Uint8Array>, keep: (bytes: Uint8Array) => void): AsyncGenerator<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const piece of body) {
    pieces.push(piece);
    yield piece;
  }
  keep(new Uint8Array(Buffer.concat(pieces)));
}

export type Origin = { kind: 'messages'; refs: { channelId: string; messageId: string }[] } | { kind: 'thread' };

export function encodeOrigin(origin: Origin): string {
  return origin.kind === 'thread' ? 't' : `m:${origin.refs.map((r) => `${r.channelId}/${r.messageId}`).join(',')}`;
}

export function decodeOrigin(text: string | undefined): Origin | undefined {
  if (text === 't') return { kind: 'thread' };
  if (!text?.startsWith('m:')) return undefined;
  const refs = text
    .slice(2)
    .split(',')
    .map((pair) => pair.split('/'))
    .filter((p): p is [string, string] => p.length === 2 && /^\d+$/.test(p[0]!) && /^\d+$/.test(p[1]!))
    .map(([channelId, messageId]) => ({ channelId, messageId }));
  return { kind: 'messages', refs };
}

/** The marker of the message holding a job's reference files in its thread. */
export const referencesMarker = (jobId: string) => `References of job \`${jobId}\``;

/** The files of a job again, with fresh URLs; empty when they can no longer be found. */
export async function refetchFiles(rest: REST, job: JobRecord, botId: string | undefined): Promise<DiscordFile[]> {
  const origin = decodeOrigin(job.origin);
  if (!origin) return [];
  if (origin.kind === 'messages') {
    const files: DiscordFile[] = [];
    for (const ref of origin.refs) {
      const message = (await rest.get(Routes.channelMessage(ref.channelId, ref.messageId))) as APIMessage;
      files.push(...message.attachments.map(fromApi));
    }
    return files;
  }
  const thread = job.destination.threadId;
  if (!thread) return [];
  const recent = (await rest.get(Routes.channelMessages(thread), { query: new URLSearchParams({ limit: '100' }) })) as APIMessage[];
  const found = recent.find((m) => (botId === undefined || m.author.id === botId) && m.content.includes(referencesMarker(job.id)));
  return found ? found.attachments.map(fromApi) : [];
}
