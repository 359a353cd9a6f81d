import { describe, expect, it } from 'vitest';
import { createReferenceHost } from '../../../src/core/references/create-host.js';
import { FallbackReferenceHost } from '../../../src/core/references/fallback-host.js';
import { ReferenceNotHostableError } from '../../../src/core/references/host-errors.js';
import { discordCdnExpiry, PassthroughReferenceHost } from '../../../src/core/references/passthrough-host.js';
import { SelfReferenceHost } from '../../../src/core/references/self-host.js';
import type { HostedReference, Reference, ReferenceHost } from '../../../src/core/references/types.js';
import { referenceOf } from './helpers.js';

const NOW = Date.UTC(2026, 7, 10, 12, 0, 0);
const HOUR = 60 * 60 * 1000;
const hex = (ms: number) => Math.floor(ms / 1000).toString(16);
const discordUrl = (expiresMs: number, path = '/attachments/1/2/cat.png') =>
  `https://cdn.discordapp.com${path}?ex=${hex(expiresMs)}&is=${hex(NOW - HOUR)}&hm=abc123&`;
const passthrough = new PassthroughReferenceHost({ now: () => NOW });
const needs = { jobId: 'job', minLifetimeMs: HOUR };

async function refusal(reference: Reference, host: ReferenceHost = passthrough): Promise<ReferenceNotHostableError> {
  const error = await host.host(reference, needs).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ReferenceNotHostableError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

describe('discordCdnExpiry', () => {
  it('reads the hex `ex` parameter as Unix seconds', () => {
    expect(discordCdnExpiry('https://cdn.discordapp.com/attachments/1/2/a.png?ex=66a1b2c3&is=66a06143&hm=ff')).toEqual(
      new Date(0x66a1b2c3 * 1000),
    );
    expect(discordCdnExpiry('https://cdn.discordapp.com/attachments/1/2/a.png')).toBeUndefined();
    expect(discordCdnExpiry('https://cdn.discordapp.com/a.png?ex=zz')).toBeUndefined();
  });
});

describe('PassthroughReferenceHost', () => {
  it('passes a Discord CDN URL that outlives the job, unchanged, with its expiry', async () => {
    const url = discordUrl(NOW + 20 * HOUR);
    const hosted = await passthrough.host(referenceOf({ publicUrl: { url } }), needs);
    expect(hosted).toEqual({ url, expiresAt: new Date(Math.floor((NOW + 20 * HOUR) / 1000) * 1000) });
  });

  it('refuses a Discord URL that has expired or expires before the job needs it', async () => {
    expect((await refusal(referenceOf({ publicUrl: { url: discordUrl(NOW - HOUR) } }))).reason).toBe('expires_too_soon');
    expect((await refusal(referenceOf({ publicUrl: { url: discordUrl(NOW + HOUR / 2) } }))).reason).toBe('expires_too_soon');
  });

  it('prefers an explicit expiresAt over `ex`', async () => {
    const reference = referenceOf({ publicUrl: { url: discordUrl(NOW + 20 * HOUR), expiresAt: new Date(NOW + 60_000) } });
    expect((await refusal(reference)).reason).toBe('expires_too_soon');
  });

  it('refuses Discord URLs without an expiry and ephemeral attachments', async () => {
    const unsigned = referenceOf({ publicUrl: { url: 'https://cdn.discordapp.com/attachments/1/2/cat.png' } });
    expect((await refusal(unsigned)).reason).toBe('unknown_expiry');
    const ephemeral = referenceOf({ publicUrl: { url: discordUrl(NOW + 20 * HOUR, '/ephemeral-attachments/1/2/cat.png') } });
    expect((await refusal(ephemeral)).reason).toBe('ephemeral');
  });

  it('never passes a Slack private file URL, even one claimed public and long-lived', async () => {
    for (const url of [
      'https://files.slack.com/files-pri/T0123-F0456/cat.png',
      'https://files.slack.com/files-pri/T0123-F0456/download/cat.png',
      'https://acme.slack.com/files/U01/F0456/cat.png',
    ]) {
      const error = await refusal(referenceOf({ publicUrl: { url, expiresAt: new Date(NOW + 100 * HOUR) } }));
      expect(error).toMatchObject({ code: 'reference.not_hostable', reason: 'private_url', fileName: 'cat.png' });
    }
  });

  it('refuses files without a public URL, and non-http URLs', async () => {
    expect((await refusal(referenceOf())).reason).toBe('no_public_url');
    expect((await refusal(referenceOf({ publicUrl: { url: 'data:image/png;base64,AAAA' } }))).reason).toBe('private_url');
  });

  it('passes another public URL without an expiry', async () => {
    const url = 'https://example.com/cat.png';
    expect(await passthrough.host(referenceOf({ publicUrl: { url } }), needs)).toEqual({ url });
  });
});

describe('falling back to another host', () => {
  it('uses the next host when passthrough refuses, and releases everywhere', async () => {
    const self = new SelfReferenceHost({ publicBaseUrl: 'https://bot.example.com', now: () => NOW });
    const host = createReferenceHost({ kind: 'passthrough', self, passthrough });
    expect(host.kind).toBe('passthrough');

    const discord = discordUrl(NOW + 20 * HOUR);
    expect((await host.host(referenceOf({ publicUrl: { url: discord } }), needs)).url).toBe(discord);

    const slack = await host.host(referenceOf({ publicUrl: { url: 'https://files.slack.com/files-pri/T-F/cat.png' } }), needs);
    expect(slack.url).toMatch(/^https:\/\/bot\.example\.com\/references\//);
    const token = new URL(slack.url).pathname.split('/')[2] ?? '';
    expect(await self.resolve(token)).toBeDefined();
    await host.release?.('job');
    expect(await self.resolve(token)).toBeUndefined();
    await self.close();
  });

  it('passes other errors through instead of falling back', async () => {
    let secondCalled = false;
    const broken: ReferenceHost = { kind: 'oxen', host: () => Promise.reject(new Error('boom')) };
    const second: ReferenceHost = {
      kind: 'self',
      host: async (): Promise<HostedReference> => {
        secondCalled = true;
        return { url: 'https://x' };
      },
    };
    await expect(new FallbackReferenceHost(broken, second).host(referenceOf(), needs)).rejects.toThrow('boom');
    expect(secondCalled).toBe(false);
  });

  it('throws the last refusal when every host refuses', async () => {
    const host = createReferenceHost({ kind: 'passthrough', passthrough });
    expect((await refusal(referenceOf(), host)).reason).toBe('no_public_url');
  });

  it('chooses by configured kind and needs the host that kind names', async () => {
    const oxen: ReferenceHost = { kind: 'oxen', host: async () => ({ url: 'https://hub.oxen.ai/x' }) };
    const self = new SelfReferenceHost({ publicBaseUrl: 'https://bot.example.com' });
    expect(createReferenceHost({ kind: 'oxen', oxen, self })).toBe(oxen);
    expect(createReferenceHost({ kind: 'self', self })).toBe(self);
    expect(createReferenceHost({ kind: 'self', self, oxen })).toBeInstanceOf(FallbackReferenceHost);
    expect(() => createReferenceHost({ kind: 'oxen', self })).toThrow(expect.objectContaining({ code: 'reference.host_missing' }));
    expect(() => createReferenceHost({ kind: 'self' })).toThrow(/PUBLIC_BASE_URL/);
    await self.close();
  });
});
