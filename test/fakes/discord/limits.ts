/**
 * What Discord refuses in a message body (https://docs.discord.com/developers/resources/message#create-message):
 * content over 2,000 characters, over 10 embeds or 6,000 characters of embed text (title,
 * description, field names and values), a description over 4,096, over 25 fields, a field name
 * over 256 or a value over 1,024, over 5 rows of components. Answered as Discord does: 400, code 50035.
 */
const EMBED_TEXT_FIELDS = ['title', 'description'] as const;

/** The first limit `body` breaks, or undefined. */
export function messageLimitBroken(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as { content?: unknown; embeds?: unknown; components?: unknown };
  if (typeof b.content === 'string' && [...b.content].length > 2_000) return 'content: Must be 2000 or fewer in length.';
  if (Array.isArray(b.embeds)) {
    if (b.embeds.length > 10) return 'embeds: Must be 10 or fewer in length.';
    let total = 0;
    for (const embed of b.embeds as Record<string, unknown>[]) {
      if (typeof embed['description'] === 'string' && embed['description'].length > 4_096) return 'embeds.description: Must be 4096 or fewer in length.';
      for (const field of EMBED_TEXT_FIELDS) total += typeof embed[field] === 'string' ? (embed[field] as string).length : 0;
      const fields = Array.isArray(embed['fields']) ? (embed['fields'] as { name?: unknown; value?: unknown }[]) : [];
      if (fields.length > 25) return 'embeds.fields: Must be 25 or fewer in length.';
      for (const f of fields) {
        const name = typeof f.name === 'string' ? f.name : '';
        const value = typeof f.value === 'string' ? f.value : '';
        if (name.length === 0 || name.length > 256) return 'embeds.fields.name: Must be between 1 and 256 in length.';
        if (value.length === 0 || value.length > 1_024) return 'embeds.fields.value: Must be between 1 and 1024 in length.';
        total += name.length + value.length;
      }
    }
    if (total > 6_000) return 'embeds: Embed size exceeds maximum size of 6000';
  }
  if (Array.isArray(b.components) && b.components.length > 5) return 'components: Must be 5 or fewer in length.';
  return undefined;
}

export const invalidFormBody = (reason: string) => ({ code: 50035, message: 'Invalid Form Body', errors: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: reason }] } });
