/**
 * The external upload flow (files.upload is gone): files.getUploadURLExternal with the length,
 * the bytes POSTed to the upload URL as a stream, then files.completeUploadExternal with
 * channel_id and thread_ts. The length must be known before the first byte is sent; when Oxen
 * did not say it, the video is spooled to a temporary file first (memory stays flat whatever the
 * size, and the file is removed at once). The upload URL is pre-signed: the bot token is not
 * sent to it.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request } from 'undici';
import type { WebClient } from './web-client.js';

export interface UploadInput {
  channel: string;
  threadTs: string;
  fileName: string;
  title: string;
  contentType: string;
  size?: number;
  body: Readable;
  /** The comment posted with the file (mrkdwn, already escaped). */
  comment: string;
}

/** Slack refused the file's length (`file_upload_size_restricted`: the workspace's own limit). */
export class UploadTooLarge extends Error {
  constructor(readonly size: number) {
    super(`Slack refused a file of ${size} bytes: the workspace restricts large uploads`);
    this.name = 'UploadTooLarge';
  }
}

export interface UploadSteps {
  /** Called when completeUploadExternal fails; returning true retries it once (after a join). */
  onCompleteRefused?(error: unknown): Promise<boolean>;
}

/** A body of known length: the original stream, or a spooled copy on disk. */
async function sized(body: Readable, size: number | undefined): Promise<{ body: Readable; size: number; cleanup(): Promise<void> }> {
  if (size !== undefined) return { body, size, cleanup: async () => undefined };
  const dir = await mkdtemp(join(tmpdir(), 'seedance-slack-'));
  const path = join(dir, 'video');
  try {
    await pipeline(body, createWriteStream(path));
    const { size: length } = await stat(path);
    return { body: createReadStream(path), size: length, cleanup: () => rm(dir, { recursive: true, force: true }) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Uploads one file into a thread; resolves with the Slack file id. */
export async function uploadIntoThread(client: WebClient, input: UploadInput, steps: UploadSteps = {}): Promise<string> {
  const known = await sized(input.body, input.size);
  try {
    const target = await client.files
      .getUploadURLExternal({ filename: input.fileName, length: known.size })
      .catch((error: unknown) => {
        const refused = (error as { data?: { error?: unknown } } | undefined)?.data?.error;
        throw refused === 'file_upload_size_restricted' ? new UploadTooLarge(known.size) : error;
      });
    if (!target.upload_url || !target.file_id) throw new Error('files.getUploadURLExternal returned no upload URL');
    const sent = await request(target.upload_url, {
      method: 'POST',
      headers: { 'content-type': input.contentType, 'content-length': String(known.size) },
      body: known.body,
    });
    const answer = await sent.body.text();
    if (sent.statusCode !== 200) throw new Error(`upload URL answered ${sent.statusCode}: ${answer.slice(0, 200)}`);

    const complete = () =>
      client.files.completeUploadExternal({
        files: [{ id: target.file_id!, title: input.title }],
        channel_id: input.channel,
        thread_ts: input.threadTs,
        initial_comment: input.comment,
      });
    try {
      await complete();
    } catch (error) {
      if (!(await steps.onCompleteRefused?.(error))) throw error;
      await complete();
    }
    return target.file_id;
  } finally {
    known.body.destroy();
    await known.cleanup();
  }
}
