/**
 * The core's PlatformPort for Slack: the status message (in the channel, or in the thread the
 * request came from), throttled edits of it, the finished video uploaded into the thread with the
 * external-upload flow, and a link when that cannot be done, saying why.
 */
import type { GenerationRecord, JobRecord } from '../core/jobs/job.js';
import type { JobView, LinkReason, OriginalLink, PlatformPort, UploadOutcome, VideoFile } from '../core/jobs/ports.js';
import type { Logger } from '../core/log.js';
import { videoOrdinal } from '../core/summary.js';
import { adapterErrorOf, isNotInChannel, slackFailureOf, type SlackFailure } from './api-errors.js';
import { decodeOrigin } from './files.js';
import { deliveredButtons, deliverySummary, linkMessage, statusMessage, withCost, withRemixOf, type Block } from './render.js';
import { describeSlackFailure } from './sentences.js';
import type { StatusThrottle } from './status-throttle.js';
import { fittedLines, lastingLinkMessage } from './fit-note.js';
import { uploadIntoThread, UploadTooLarge } from './upload.js';
import type { WebClient } from './web-client.js';

/** Slack's own limit per file (admins may set a lower one, which shows as an upload error). */
export const SLACK_FILE_LIMIT_BYTES = 1024 * 1024 * 1024;

const TERMINAL_PHASES: ReadonlySet<JobView['phase']> = new Set(['done', 'failed', 'cancelled', 'timed_out']);

/** Options for every message the bot posts: nothing in it is turned into a mention or a link. */
export const SAFE_POST = { parse: 'none', link_names: false, unfurl_links: false, unfurl_media: false } as const;

export interface SlackPortDeps {
  client: WebClient;
  log: Logger;
  throttle: StatusThrottle;
  /** The bot's name, for "/invite @name". */
  botName(): string;
}

export class SlackPort implements PlatformPort {
  readonly platform = 'slack' as const;
  /** Why the last status post in a channel failed, for the sentence the person gets. */
  private readonly postFailures = new Map<string, SlackFailure>();
  /** Why the last upload of a job failed, for the link message. */
  private readonly uploadFailures = new Map<string, SlackFailure>();

  constructor(private readonly deps: SlackPortDeps) {}

  async openThread(job: JobRecord, view: JobView): Promise<{ statusMessageId: string; threadId?: string }> {
    const { client } = this.deps;
    const channel = job.destination.channelId;
    const origin = decodeOrigin(job.origin);
    const rendered = statusMessage(view);
    const post = () => client.chat.postMessage({ channel, ...rendered, ...SAFE_POST, ...(origin.thread ? { thread_ts: origin.thread } : {}) });
    let answer;
    try {
      answer = await post();
    } catch (error) {
      const failure = slackFailureOf(error);
      if (!(isNotInChannel(failure) && (await this.join(channel)))) {
        this.postFailures.set(channel, failure);
        if (this.postFailures.size > 1000) this.postFailures.delete(this.postFailures.keys().next().value!);
        throw adapterErrorOf(error);
      }
      answer = await post();
    }
    if (!answer.ts) throw new Error('chat.postMessage returned no ts');
    return { statusMessageId: answer.ts, threadId: origin.thread ?? answer.ts };
  }

  /** The reason the last status post in this channel failed (once). */
  takePostFailure(channel: string): SlackFailure | undefined {
    const failure = this.postFailures.get(channel);
    this.postFailures.delete(channel);
    return failure;
  }

  async updateStatus(job: JobRecord, view: JobView): Promise<void> {
    const ts = job.destination.statusMessageId;
    if (!ts) return;
    const channel = job.destination.channelId;
    // Rendered when the write goes, not now: most progress views are replaced by a newer one
    // before the throttle lets them out, and rendering each one would be wasted work (and
    // long-lived garbage). The record is copied so the text is what it would have been now.
    const snapshot: JobView = { ...view, job: { ...job } };
    this.deps.throttle.push(`${channel}:${ts}`, channel, TERMINAL_PHASES.has(view.phase), async () => {
      await this.deps.client.chat.update({ channel, ts, ...statusMessage(snapshot), parse: 'none', link_names: false });
    });
  }

  async uploadVideo(job: JobRecord, video: VideoFile): Promise<UploadOutcome> {
    const channel = job.destination.channelId;
    const threadTs = job.destination.threadId ?? job.destination.statusMessageId;
    if (!threadTs) throw new Error(`job ${job.id} has no thread`);
    if (video.size !== undefined && video.size > SLACK_FILE_LIMIT_BYTES) {
      video.body.destroy();
      return { kind: 'too_big', limitBytes: SLACK_FILE_LIMIT_BYTES };
    }
    const index = job.generations.findIndex((g) => g.id === video.generation.id) + 1;
    try {
      const fileId = await uploadIntoThread(
        this.deps.client,
        {
          channel,
          threadTs,
          fileName: video.fileName,
          title: video.fileName,
          contentType: video.contentType,
          ...(video.size !== undefined ? { size: video.size } : {}),
          body: video.body,
          comment: [deliverySummary(job, Math.max(1, index), job.generations.length), ...(video.fitted ? [fittedLines(job, video.fitted)] : [])].join('\n'),
        },
        { onCompleteRefused: async (error) => isNotInChannel(slackFailureOf(error)) && (await this.join(channel)) },
      );
      this.uploadFailures.delete(job.id);
      await this.postDeliveredButtons(job, Math.max(1, index), job.generations.length, threadTs);
      return { kind: 'uploaded', messageId: fileId };
    } catch (error) {
      // The workspace's own limit is not told in advance: aim for half of what it refused.
      if (error instanceof UploadTooLarge) return { kind: 'too_big', limitBytes: Math.floor(error.size / 2) };
      const coded = adapterErrorOf(error);
      this.uploadFailures.set(job.id, coded.failure);
      if (this.uploadFailures.size > 1000) this.uploadFailures.delete(this.uploadFailures.keys().next().value!);
      this.deps.log.warn('slack.upload_failed', { job: job.id, code: coded.code, error: coded.failure.error });
      // Not a member (and could not join) or a missing scope: trying again cannot help, so the
      // link goes at once instead of after the core's retries.
      if (coded.code === 'slack.not_in_channel' || coded.code === 'slack.missing_scope') return { kind: 'not_allowed', code: coded.code };
      throw coded;
    }
  }

  /** The video is delivered whatever happens here: a failed post of its buttons is only logged. */
  private async postDeliveredButtons(job: JobRecord, index: number, of: number, threadTs: string): Promise<void> {
    try {
      await this.deps.client.chat.postMessage({ channel: job.destination.channelId, thread_ts: threadTs, ...deliveredButtons(job, index, of), ...SAFE_POST });
    } catch (error) {
      this.deps.log.warn('slack.delivered_buttons_failed', { job: job.id, error: slackFailureOf(error).error });
    }
  }

  async postLink(job: JobRecord, generation: GenerationRecord, url: string, reason: LinkReason, lasting?: OriginalLink): Promise<void> {
    const failure = this.uploadFailures.get(job.id);
    this.uploadFailures.delete(job.id);
    const why =
      reason === 'too_big'
        ? 'your video is larger than Slack accepts here.'
        : failure
          ? describeSlackFailure(failure, 'attach your video here', this.deps.botName())
          : 'I could not attach your video here.';
    const threadTs = job.destination.threadId ?? job.destination.statusMessageId;
    await this.deps.client.chat.postMessage({
      channel: job.destination.channelId,
      ...withRemixOf(lasting ? lastingLinkMessage(job, url, why, lasting, videoOrdinal(job, generation)) : linkMessage(job, url, why, videoOrdinal(job, generation)), job, job.generations.findIndex((g) => g.id === generation.id) + 1),
      ...SAFE_POST,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
  }

  async uploadLimitBytes(): Promise<number | undefined> {
    return SLACK_FILE_LIMIT_BYTES;
  }

  /** Looks for the generation's file among the thread's messages (closes the crash window). */
  async findDelivered(job: JobRecord, generation: GenerationRecord): Promise<boolean> {
    const threadTs = job.destination.threadId ?? job.destination.statusMessageId;
    if (!threadTs) return false;
    const index = job.generations.findIndex((g) => g.id === generation.id) + 1;
    const fileName = `seedance-${job.id}${job.generations.length > 1 ? `-${index}` : ''}.mp4`;
    try {
      const answer = await this.deps.client.conversations.replies({ channel: job.destination.channelId, ts: threadTs, limit: 200 });
      return (answer.messages ?? []).some((m) => (m.files ?? []).some((f) => f.name === fileName));
    } catch {
      return false;
    }
  }

  /**
   * The cost on the message in the thread that carries the delivered video's buttons (or its link),
   * found by the block id of that row, which names the job and the video.
   */
  async noteCost(job: JobRecord, generation: GenerationRecord, costText: string): Promise<void> {
    const channel = job.destination.channelId;
    const threadTs = job.destination.threadId ?? job.destination.statusMessageId;
    if (!threadTs) return;
    const index = job.generations.findIndex((g) => g.id === generation.id) + 1;
    const rowId = `delivered:${job.id}:${index}`;
    const answer = await this.deps.client.conversations.replies({ channel, ts: threadTs, limit: 200 });
    const post = (answer.messages ?? []).find((m) => m.bot_id && ((m.blocks ?? []) as Block[]).some((b) => b['block_id'] === rowId));
    if (!post?.ts) {
      this.deps.log.warn('slack.delivery_post_not_found', { job: job.id, generation: generation.id });
      return;
    }
    const updated = withCost({ ...(post.text !== undefined ? { text: post.text } : {}), blocks: (post.blocks ?? []) as Block[] }, job.id, index, costText);
    await this.deps.client.chat.update({ channel, ts: post.ts, ...updated, parse: 'none', link_names: false });
  }

  /** Joins a public channel (channels:join); false when Slack refuses (private channel, no scope). */
  async join(channel: string): Promise<boolean> {
    try {
      await this.deps.client.conversations.join({ channel });
      this.deps.log.info('slack.joined_channel', { channel });
      return true;
    } catch (error) {
      this.deps.log.info('slack.join_refused', { channel, error: slackFailureOf(error).error });
      return false;
    }
  }
}
