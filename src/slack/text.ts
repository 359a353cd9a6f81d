/**
 * Text in and out of Slack. Everything a person typed is escaped before it is echoed, so it can
 * never form a mention (`<!channel>`, `<@U…>`) or a link; incoming markup is turned back into plain
 * text before it reaches the core (and Oxen).
 */

/** Slack's three control characters, escaped as its docs ask. Safe inside mrkdwn and plain text. */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped and cut to `max` characters (with an ellipsis), for echoing prompts and file names. */
export function echo(text: string, max = 300): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return escapeText(cut);
}

/**
 * A message's text as the person meant it: `<@U1|ann>` -> `ann`, `<https://x|label>` -> `label`,
 * `<!here>` -> `here`, entities decoded. `dropUser` removes mentions of that user (the bot).
 */
export function plainFromSlack(text: string, dropUser?: string): string {
  const replaced = text.replace(/<([^<>]*)>/g, (_whole, inner: string) => {
    const [target = '', label] = inner.split('|', 2);
    // Without the `@`: in a prompt, `@name` means an attached file.
    if (target.startsWith('@')) return dropUser && target.slice(1) === dropUser ? ' ' : (label ?? target.slice(1));
    if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
    if (target.startsWith('!')) return label ?? target.slice(1).split('^')[0] ?? '';
    return label ?? target;
  });
  return replaced.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();
}

/** A Slack message timestamp (`1712345678.123456`). */
export const isTs = (value: string) => /^\d{9,11}\.\d{1,6}$/.test(value);

/** The channel and message ts of a Slack permalink (`…/archives/C123/p1712345678123456?thread_ts=…`). */
export function parsePermalink(text: string): { channel: string; ts: string; threadTs?: string } | undefined {
  const match = /https:\/\/[\w.-]+\.slack\.com\/archives\/([A-Z0-9]+)\/p(\d{10})(\d{6})(?:\?([^\s|>]*))?/.exec(text);
  if (!match) return undefined;
  const query = new URLSearchParams(match[4] ?? '');
  const threadTs = query.get('thread_ts');
  return { channel: match[1]!, ts: `${match[2]}.${match[3]}`, ...(threadTs && isTs(threadTs) ? { threadTs } : {}) };
}
