/**
 * Hands Oxen the platform's own public URL (Discord's signed CDN URLs) when it will still work by
 * the time Oxen fetches it. Otherwise refuses with ReferenceNotHostableError, so the caller can
 * use another host. Never passes a URL that needs credentials, such as Slack's url_private.
 */
import { ReferenceNotHostableError } from './host-errors.js';
import type { HostedReference, Reference, ReferenceHost } from './types.js';

const DISCORD_CDN_HOSTS = new Set(['cdn.discordapp.com', 'media.discordapp.net']);

export interface PassthroughReferenceHostOptions {
  now?: () => number;
}

export class PassthroughReferenceHost implements ReferenceHost {
  readonly kind = 'passthrough' as const;
  private readonly now: () => number;

  constructor(options: PassthroughReferenceHostOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  async host(reference: Reference, options: { jobId: string; minLifetimeMs: number }): Promise<HostedReference> {
    const refuse = (reason: ConstructorParameters<typeof ReferenceNotHostableError>[0], why: string) =>
      new ReferenceNotHostableError(reason, reference.name, `${reference.name}: ${why}`);

    const publicUrl = reference.publicUrl;
    if (!publicUrl) throw refuse('no_public_url', 'the platform gave no public URL');
    const url = URL.canParse(publicUrl.url) ? new URL(publicUrl.url) : undefined;
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || needsCredentials(url)) {
      throw refuse('private_url', 'the URL is not publicly fetchable');
    }
    const discord = DISCORD_CDN_HOSTS.has(url.hostname);
    if (discord && url.pathname.startsWith('/ephemeral-attachments/')) {
      throw refuse('ephemeral', 'Discord removes ephemeral attachments after an undocumented time');
    }

    const expiresAt = publicUrl.expiresAt ?? (discord ? discordCdnExpiry(url) : undefined);
    if (discord && !expiresAt) throw refuse('unknown_expiry', 'the Discord CDN URL carries no readable expiry');
    if (expiresAt && expiresAt.getTime() < this.now() + options.minLifetimeMs) {
      throw refuse('expires_too_soon', `the URL expires at ${expiresAt.toISOString()}, before Oxen may fetch it`);
    }
    // The original string, not url.href: re-serialising could alter the signed query.
    return { url: publicUrl.url, ...(expiresAt ? { expiresAt } : {}) };
  }
}

/** Expiry of a signed Discord CDN URL, from its `ex` parameter (hex Unix seconds). */
export function discordCdnExpiry(url: string | URL): Date | undefined {
  const parsed = typeof url === 'string' ? (URL.canParse(url) ? new URL(url) : undefined) : url;
  const ex = parsed?.searchParams.get('ex');
  if (!ex || !/^[0-9a-f]{1,12}$/i.test(ex)) return undefined;
  return new Date(Number.parseInt(ex, 16) * 1000);
}

/** Slack's file URLs (url_private, url_private_download, files-pri paths) need the bot token. */
function needsCredentials(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return host === 'slack.com' || host.endsWith('.slack.com') || url.pathname.includes('/files-pri/') || url.username !== '' || url.password !== '';
}
