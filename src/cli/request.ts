/**
 * A request from the command line: the prompt words and Slack's text flags (read by the core's
 * option parser, so a bad flag is named as in chat) and `--file PATH` attachments read from disk.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseOptionsText } from '../core/options/parse-options.js';
import type { IncomingAttachment } from '../core/references/types.js';
import type { GenerationRequest } from '../core/request.js';
import { fail, ok, type Result } from '../core/result.js';
import { CliError, EXIT } from './output.js';

/** The prompt and flags, as `/video` in Slack reads them. */
export function requestFromWords(words: readonly string[]): Result<GenerationRequest> {
  const parsed = parseOptionsText(words.join(' '));
  if (!parsed.ok) return fail(...parsed.problems);
  return ok({ prompt: parsed.value.prompt, options: parsed.value.options });
}

/**
 * Local files as attachments: the size the file system reports is the declared size (the cheap
 * checks use it before anything is read), and the bytes are streamed, so a file over the limit is
 * abandoned after the cap like a chat upload. A path that cannot be read is a usage error.
 */
export async function attachmentsFromFiles(paths: readonly string[]): Promise<IncomingAttachment[]> {
  const missing: string[] = [];
  const attachments: IncomingAttachment[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) {
      missing.push(path);
      continue;
    }
    attachments.push({
      name: basename(path),
      size: info.size,
      download: async () => new Uint8Array(await readFile(path)),
      stream: (signal) => createReadStream(path, signal ? { signal } : {}),
    });
  }
  if (missing.length > 0) throw new CliError(`--file: ${missing.map((p) => `${p} is not a readable file`).join('; ')}`, EXIT.usage);
  return attachments;
}
