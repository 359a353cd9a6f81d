/**
 * What Slack refuses in a message (https://docs.slack.dev/reference/block-kit/blocks): text over
 * 40,000 characters (msg_too_long), over 50 blocks, or a section's text over 3,000 characters
 * (invalid_blocks). The same for chat.postMessage, chat.update, chat.postEphemeral and response_url.
 */
export function slackMessageError(args: Record<string, unknown>): string | undefined {
  const text = args['text'];
  if (typeof text === 'string' && text.length > 40_000) return 'msg_too_long';
  const blocks = args['blocks'];
  if (!Array.isArray(blocks)) return undefined;
  if (blocks.length > 50) return 'invalid_blocks';
  for (const block of blocks as Record<string, unknown>[]) {
    const section = block['type'] === 'section' ? (block['text'] as { text?: unknown } | undefined)?.text : undefined;
    if (typeof section === 'string' && section.length > 3_000) return 'invalid_blocks';
    const elements = block['type'] === 'context' && Array.isArray(block['elements']) ? (block['elements'] as { text?: unknown }[]) : [];
    if (elements.some((e) => typeof e.text === 'string' && e.text.length > 3_000)) return 'invalid_blocks';
  }
  return undefined;
}

export const LIMITED_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);
