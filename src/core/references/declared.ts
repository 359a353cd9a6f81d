/**
 * What can be refused from what the platform declares, before a single byte is downloaded: too
 * many files, and files bigger than any reference may be. The bytes still decide everything else.
 */
import type { Problem } from '../result.js';
import { largestAllowedFileBytes, REFERENCE_LIMITS, toMB, type ReferenceLimits } from './limits.js';
import type { IncomingAttachment, ReferenceKind } from './types.js';

/** `largest`: the most a file may be to be read at all (more when it can be converted). */
export function checkDeclaredAttachments(attachments: readonly IncomingAttachment[], limits: ReferenceLimits = REFERENCE_LIMITS, largest = largestAllowedFileBytes(limits)): Problem[] {
  const problems: Problem[] = [];
  if (attachments.length > limits.maxFiles) {
    problems.push({ code: 'reference.too_many_files', params: { count: attachments.length, max: limits.maxFiles, files: attachments.map((a) => a.name) } });
  }
  for (const attachment of attachments) {
    if (attachment.size !== undefined && attachment.size > largest) {
      problems.push({
        code: 'reference.file_too_large',
        file: attachment.name,
        params: { bytes: attachment.size, sizeMB: toMB(attachment.size), maxBytes: largest, maxMB: toMB(largest) },
      });
    }
  }
  return problems;
}

const EXTENSION_KINDS: Readonly<Record<string, ReferenceKind>> = {
  jpg: 'image', jpeg: 'image', png: 'image', webp: 'image', gif: 'image', heic: 'image',
  mp4: 'video', mov: 'video', m4v: 'video', webm: 'video',
  mp3: 'audio', wav: 'audio', m4a: 'audio', ogg: 'audio', aac: 'audio',
};

/**
 * The kind a file probably is, from its declared type or name: only to pick the model whose price
 * is reserved before downloading. Once the bytes are in, they decide (and the reservation follows).
 */
export function declaredKind(attachment: Pick<IncomingAttachment, 'name' | 'contentType'>): ReferenceKind {
  const family = attachment.contentType?.split('/')[0]?.trim().toLowerCase();
  if (family === 'image' || family === 'video' || family === 'audio') return family;
  const extension = /\.([A-Za-z0-9]+)$/.exec(attachment.name)?.[1]?.toLowerCase();
  return (extension && EXTENSION_KINDS[extension]) || 'image';
}
