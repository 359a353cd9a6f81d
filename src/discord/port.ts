/**
 * The core's PlatformPort on Discord, through REST with the bot token only (never an
 * interaction token, which dies after 15 minutes): the status message and its thread, throttled
 * status edits, the upload into the thread (single attempt, long timeout, size checked against
 * the guild's boost tier first), the link fallback, and the look-up that closes the crash window.
 */
import { Routes, type APIMessage, type REST } from 'discord.js';
import type { GenerationRecord, JobRecord } from '../core/jobs/job.js';
import type { JobView, LinkReason, OriginalLink, PlatformPort, UploadOutcome, VideoFile } from '../core/jobs/ports.js';
import type { Logger } from '../core/log.js';
import { apiCode, asDiscordError, DISCORD_CODES, discordProblemSentence, isPermissionError } from './errors.js';
import { fittedSummary, linkLifetime } from './fit-note.js';
import { deliveryMarker, isActivePhase, linkMessage, NO_MENTIONS, statusMessage, videoSummary, withCostLine } from './render.js';
import type { StatusEditor } from './status-editor.js';

const MiB = 1024 * 1024;

/** Upload limit by boost tier: 10 MiB up to tier 1, 50 MB at tier 2, 100 MB at tier 3 (platforms.md §3). */
export function limitForTier(tier: number): number {
  return tier >= 3 ? 100 * MiB : tier === 2 ? 50 * MiB : 10 * MiB;
}

export interface DiscordPortDeps {
  rest: REST;
  /** A REST client for uploads only: one attempt, a long timeout (a retried upload posts twice). */
  uploadRest: REST;
  editor: StatusEditor;
  log: Logger;
  botId: () => string | undefined;
  /** The guild's boost tier from the gateway cache, when known. */
  cachedTier: (guildId: string) => number | undefined;
  /** Test hook: the limit for a boost tier. */
  uploadLimitForTier?: (tier: number) => number;
}

export class DiscordPort implements PlatformPort {
  readonly platform = 'discord' as const;
  private readonly tiers = new Map<string, { tier: number; at: number }>();

  constructor(private readonly deps: DiscordPortDeps) {}

  async openThread(job: JobRecord, view: JobView): Promise<{ statusMessageId: string; threadId?: string }> {
    const { rest } = this.deps;
    let message: APIMessage;
    try {
      message = (await rest.post(Routes.channelMessages(job.destination.channelId), { body: statusMessage(view) })) as APIMessage;
    } catch (error) {
      throw asDiscordError(error, 'discord.cannot_send_messages');
    }
    try {
      const name = `🎬 ${job.id} · ${job.request.prompt.replace(/\s+/g, ' ')}`.slice(0, 100);
      const thread = (await rest.post(Routes.threads(job.destination.channelId, message.id), { body: { name, auto_archive_duration: 1440 } })) as { id: string };
      return { statusMessageId: message.id, threadId: thread.id };
    } catch (error) {
      const failure = asDiscordError(error, 'discord.cannot_create_threads');
      // Say so where people look: the status message itself. Nothing was spent.
      await rest
        .patch(Routes.channelMessage(job.destination.channelId, message.id), {
          body: { content: `⚠️ ${discordProblemSentence(failure.code)} Nothing was spent.`, components: [], allowed_mentions: NO_MENTIONS },
        })
        .catch((e: unknown) => this.deps.log.warn('discord.status_edit_failed', { job: job.id, error: e }));
      throw failure;
    }
  }

  async updateStatus(job: JobRecord, view: JobView): Promise<void> {
    const messageId = job.destination.statusMessageId;
    if (!messageId) return;
    this.deps.editor.queue(job.destination.channelId, messageId, statusMessage(view), !isActivePhase(view.phase));
  }

  async uploadLimitBytes(job: JobRecord): Promise<number | undefined> {
    const tier = await this.tierOf(job.requester.scopeId);
    if (tier === undefined) return limitForTier(0);
    return (this.deps.uploadLimitForTier ?? limitForTier)(tier);
  }

  async uploadVideo(job: JobRecord, video: VideoFile): Promise<UploadOutcome> {
    const limit = (await this.uploadLimitBytes(job)) ?? limitForTier(0);
    if (video.size !== undefined && video.size > limit) {
      video.body.destroy();
      return { kind: 'too_big', limitBytes: limit };
    }
    // Read with a cap: the size header may be missing, and a file over the limit is never sent.
    // discord.js needs the file as one buffer: with the size known it is the only copy in memory.
    const data = await readCapped(video.body, limit, video.size);
    if (!data) return { kind: 'too_big', limitBytes: limit };
    const summary = video.fitted ? fittedSummary(job, video.generation, video.fitted) : videoSummary(job, video.generation);
    try {
      const posted = (await this.deps.uploadRest.post(Routes.channelMessages(this.threadOf(job)), {
        body: { ...summary, attachments: [{ id: 0, filename: video.fileName }] },
        files: [{ name: video.fileName, data, contentType: video.contentType }],
      })) as APIMessage;
      return { kind: 'uploaded', messageId: posted.id };
    } catch (error) {
      if (apiCode(error) === DISCORD_CODES.entityTooLarge) return { kind: 'too_big', limitBytes: limit };
      if (isPermissionError(error)) {
        return { kind: 'not_allowed', code: 'discord.cannot_attach_files' };
      }
      throw error;
    }
  }

  async postLink(job: JobRecord, generation: GenerationRecord, url: string, reason: LinkReason, lasting?: OriginalLink): Promise<void> {
    let why: string;
    const lifetime = linkLifetime(job, lasting);
    if (typeof reason === 'object') why = `${discordProblemSentence(reason.notAllowed) ?? 'I am not allowed to attach files here.'} Here is a link to the video instead ${lifetime}:`;
    else if (reason === 'too_big') {
      const limit = (await this.uploadLimitBytes(job).catch(() => undefined)) ?? limitForTier(0);
      why = `The video is larger than this server's upload limit (${Math.round(limit / MiB)} MB) and could not be made small enough, so here is a link to the original instead ${lifetime}:`;
    } else why = `Uploading the video to Discord failed several times, so here is a link instead ${lifetime}:`;
    try {
      await this.deps.rest.post(Routes.channelMessages(this.threadOf(job)), { body: linkMessage(job, generation, url, why) });
    } catch (error) {
      throw asDiscordError(error, 'discord.cannot_send_messages');
    }
  }

  async findDelivered(job: JobRecord, generation: GenerationRecord): Promise<boolean> {
    let recent: APIMessage[];
    try {
      recent = await this.recentInThread(job);
    } catch (error) {
      // Without Read Message History the thread cannot be checked; delivering beats never delivering.
      if (!isPermissionError(error)) throw error;
      this.deps.log.warn('discord.history_unreadable', { job: job.id, error });
      return false;
    }
    return recent.some((m) => this.delivers(m, generation));
  }

  /**
   * The cost on the post that delivered the video, found again by its delivery marker. The edit
   * pings no one (the post's own ping was when the video came) and keeps its buttons.
   */
  async noteCost(job: JobRecord, generation: GenerationRecord, costText: string): Promise<void> {
    const post = (await this.recentInThread(job)).find((m) => this.delivers(m, generation));
    if (!post) {
      this.deps.log.warn('discord.delivery_post_not_found', { job: job.id, generation: generation.id });
      return;
    }
    await this.deps.rest.patch(Routes.channelMessage(post.channel_id, post.id), { body: { content: withCostLine(post.content, costText), allowed_mentions: NO_MENTIONS } });
  }

  private async recentInThread(job: JobRecord): Promise<APIMessage[]> {
    return (await this.deps.rest.get(Routes.channelMessages(this.threadOf(job)), { query: new URLSearchParams({ limit: '50' }) })) as APIMessage[];
  }

  private delivers(message: APIMessage, generation: GenerationRecord): boolean {
    const botId = this.deps.botId();
    return (botId === undefined || message.author.id === botId) && message.content.includes(deliveryMarker(generation));
  }

  private threadOf(job: JobRecord): string {
    return job.destination.threadId ?? job.destination.channelId;
  }

  private async tierOf(guildId: string): Promise<number | undefined> {
    const cached = this.deps.cachedTier(guildId);
    if (cached !== undefined) return cached;
    const known = this.tiers.get(guildId);
    if (known && Date.now() - known.at < 10 * 60_000) return known.tier;
    if (!/^\d+$/.test(guildId)) return undefined;
    try {
      const guild = (await this.deps.rest.get(Routes.guild(guildId))) as { premium_tier?: number };
      const tier = guild.premium_tier ?? 0;
      this.tiers.set(guildId, { tier, at: Date.now() });
      return tier;
    } catch (error) {
      this.deps.log.warn('discord.guild_lookup_failed', { guildId, error });
      return undefined;
    }
  }
}

/** The whole body as one buffer, or undefined (the body destroyed) once it passes `limit` bytes. */
async function readCapped(body: VideoFile['body'], limit: number, size: number | undefined): Promise<Buffer | undefined> {
  const whole = size !== undefined ? Buffer.allocUnsafe(size) : undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const part = chunk as Uint8Array;
    if (total + part.length > limit || (whole && total + part.length > whole.length)) {
      body.destroy();
      return undefined;
    }
    if (whole) whole.set(part, total);
    else chunks.push(Buffer.from(part));
    total += part.length;
  }
  if (!whole) return Buffer.concat(chunks);
  return total === whole.length ? whole : whole.subarray(0, total);
}
