/**
 * Server and channel settings in the core, on the real SQLite store and the real Redis, through
 * the real service and engine around the fake Oxen: an admin's channel maximum and default
 * resolve a member's request (and refuse it above the maximum, naming the limit and who set it);
 * only admins change settings, never above the operator's ceiling; a person's daily allowance
 * stops their next job and comes back when a job is cancelled; settings survive a restart and are
 * seen by a second instance at once.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DISCORD_TEXT_LIMIT, problemDescriber } from '../../../src/core/messages.js';
import { DEFAULT_OPTIONS } from '../../../src/core/request.js';
import { ServerSettings } from '../../../src/core/settings/settings.js';
import { RedisSettingsStorage, SqliteSettingsStorage, type SettingsStorage } from '../../../src/core/settings/storage.js';
import type { JobStore } from '../../../src/core/jobs/store.js';
import { startFakeOxen } from '../../fakes/oxen/index.js';
import { redisStore, sqliteStore, startCore, submitted, textRequest, type StoreHandle } from '../../helpers/harness.js';
import { REDIS_URL } from '../../helpers/redis.js';
import { RecordingPort } from '../../helpers/recording-port.js';

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

const place = { platform: 'discord' as const, scopeId: 'guild-1', channelId: 'channel-1' };
const admin = { userId: 'admin-1', mayManage: true };
const member = { userId: 'u1', mayManage: false };
const discordSentences = problemDescriber({ help: '', cancel: '', jobs: '', settings: '`/video-settings`', server: 'server' }, DISCORD_TEXT_LIMIT);

interface Backend {
  name: string;
  open(): { store: StoreHandle; storage: () => SettingsStorage };
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    open() {
      const dir = mkdtempSync(join(tmpdir(), 'seedance-settings-'));
      const store = sqliteStore(dir);
      return { store, storage: () => new SqliteSettingsStorage(dir) };
    },
  },
  {
    name: 'redis',
    open() {
      const prefix = `test-settings-${randomUUID()}`;
      return { store: redisStore(prefix), storage: () => new RedisSettingsStorage(REDIS_URL, prefix) };
    },
  },
];

function settingsOn(store: JobStore, storage: SettingsStorage, ceiling = {}) {
  const settings = new ServerSettings({ storage, store, ceiling });
  cleanups.push(() => settings.close());
  return settings;
}

describe.each(backends)('on $name', (backend) => {
  async function setup(ceiling: { videoSecondsPerDay?: number } = {}) {
    const opened = backend.open();
    cleanups.push(() => opened.store.cleanup(), () => opened.store.store.close());
    const fake = await startFakeOxen({ timing: 'manual' });
    cleanups.push(() => fake.close());
    const settings = settingsOn(opened.store.store, opened.storage(), ceiling);
    const port = new RecordingPort();
    const core = await startCore({ fake, store: opened.store.store, port, service: { perUserLimit: 5, budget: ceiling }, serverSettings: settings });
    cleanups.push(() => core.stop());
    return { ...opened, settings, core, port };
  }

  it('a member gets the channel default and is refused above the channel maximum, with who set it', async () => {
    const { settings, core } = await setup();
    const changed = await settings.change(place, admin, 'channel', { max_resolution: '720p', default_duration: '5' });
    expect(changed.ok).toBe(true);

    const job = submitted(await core.service.submit(textRequest('a fox'))).job;
    expect(job.request.options.duration).toBe(5);
    expect(job.settingSources).toEqual({ duration: 'channel' });
    expect(job.reservation.videoSeconds).toBe(5);

    const above = await core.service.submit({ ...textRequest('a fox'), request: { prompt: 'a fox', options: { ...DEFAULT_OPTIONS, resolution: '1080p', tier: 'pro' }, given: ['resolution', 'tier'] } });
    expect(above.ok).toBe(false);
    if (above.ok) return;
    expect(above.problems).toEqual([{ code: 'settings.above_maximum', params: { option: 'resolution', value: '1080p', limit: '720p', scope: 'channel' } }]);
    expect(discordSentences.problem(above.problems[0]!)).toBe('This channel allows up to `720p` for the resolution (you asked for `1080p`); an admin can change it with `/video-settings`.');

    // The request's own value wins over the default, within the maximum.
    const own = submitted(await core.service.submit({ ...textRequest('a fox'), request: { prompt: 'a fox', options: { ...DEFAULT_OPTIONS, duration: 4 }, given: ['duration'] } })).job;
    expect(own.request.options.duration).toBe(4);
    expect(own.settingSources).toBeUndefined();
  });

  it('the bot off in a channel, and tiers the server allows, refuse with who decided', async () => {
    const { settings, core } = await setup();
    expect((await settings.change(place, admin, 'server', { allowed_tiers: 'fast, mini' })).ok).toBe(true);
    const pro = await core.service.submit({ ...textRequest('a fox'), request: { prompt: 'a fox', options: { ...DEFAULT_OPTIONS, tier: 'pro' }, given: ['tier'] } });
    expect(pro.ok ? [] : pro.problems).toEqual([{ code: 'settings.tier_not_allowed', params: { value: 'pro', allowed: ['fast', 'mini'], scope: 'server' } }]);
    // Without a tier asked for, 1080p would pick Pro: refused too, since no allowed tier offers it.
    const highRes = await core.service.submit({ ...textRequest('a fox'), request: { prompt: 'a fox', options: { ...DEFAULT_OPTIONS, resolution: '1080p' }, given: ['resolution'] } });
    expect(highRes.ok ? [] : highRes.problems.map((p) => p.code)).toEqual(['settings.tier_not_allowed']);

    expect((await settings.change(place, admin, 'channel', { enabled: 'off' })).ok).toBe(true);
    const off = await core.service.submit(textRequest('a fox'));
    expect(off.ok ? [] : off.problems).toEqual([{ code: 'settings.channel_off', params: { scope: 'channel' } }]);
    expect(discordSentences.problem({ code: 'settings.channel_off', params: { scope: 'channel' } })).toBe('The bot is turned off in this channel; an admin can turn it on with `/video-settings`.');
    // Another channel of the same server is not affected.
    submitted(await core.service.submit({ ...textRequest('a fox'), destination: { platform: 'discord', channelId: 'channel-2' } }));
  });

  it('only admins change settings, and never above the operator’s ceiling', async () => {
    const { settings } = await setup({ videoSecondsPerDay: 100 });
    const refused = await settings.change(place, member, 'channel', { max_resolution: '480p' });
    expect(refused).toEqual({ ok: false, problems: [{ code: 'settings.not_admin' }] });
    expect(await settings.get(place)).toEqual({ server: {}, channels: {} });

    const ceiling = await settings.change(place, admin, 'server', { person_daily_seconds: '500' });
    expect(ceiling.ok).toBe(false);
    if (!ceiling.ok) expect(ceiling.problems[0]).toMatchObject({ code: 'settings.above_ceiling', params: { limit: 100, variable: 'DAILY_VIDEO_SECONDS' } });
    const channelOnly = await settings.change(place, admin, 'channel', { daily_seconds: '50' });
    expect(channelOnly.ok ? [] : channelOnly.problems.map((p) => p.code)).toEqual(['settings.server_only']);
    expect(await settings.get(place)).toEqual({ server: {}, channels: {} });
  });

  it('a person’s daily allowance stops their next job with their usage, and comes back on cancel', async () => {
    const { settings, core } = await setup();
    expect((await settings.change(place, admin, 'server', { person_daily_seconds: '10', default_duration: '5' })).ok).toBe(true);
    const first = submitted(await core.service.submit(textRequest('one'))).job;
    submitted(await core.service.submit(textRequest('two')));
    const third = await core.service.submit(textRequest('three'));
    expect(third.ok).toBe(false);
    if (third.ok) return;
    expect(third.problems).toEqual([{ code: 'quota.person_exhausted', params: { unit: 'seconds', used: 10, limit: 10, needed: 5 } }]);
    expect(discordSentences.problem(third.problems[0]!)).toContain('You have used 10 of your 10 video-seconds for today; this video needs 5 more.');
    // Someone else in the same server still has their own allowance.
    submitted(await core.service.submit(textRequest('four', 'u2')));
    expect((await settings.usage(place, 'u1')).person.videoSeconds).toBe(10);
    expect((await settings.usage(place, 'u1')).scope.videoSeconds).toBe(15);

    expect((await core.service.cancel(first.id, { platform: 'discord', userId: 'u1' })).ok).toBe(true);
    await expect.poll(async () => (await settings.usage(place, 'u1')).person.videoSeconds, { timeout: 10_000 }).toBe(5);
    submitted(await core.service.submit(textRequest('five')));
  });

  it('a person’s allowance comes back when the request is refused part-way', async () => {
    const { settings, core, port } = await setup();
    expect((await settings.change(place, admin, 'server', { person_daily_seconds: '10', default_duration: '5' })).ok).toBe(true);
    port.openError = new Error('no permission to post here');
    const refused = await core.service.submit(textRequest('one'));
    expect(refused.ok ? [] : refused.problems.map((p) => p.code)).toEqual(['platform.cannot_post']);
    expect(await settings.usage(place, 'u1')).toMatchObject({ person: { videoSeconds: 0 }, scope: { videoSeconds: 0 } });
  });

  it('settings survive a restart and a second instance sees a change at once', async () => {
    const { store, storage, settings } = await setup();
    const other = settingsOn(store.store, storage());
    expect((await other.get(place)).channels).toEqual({});
    expect((await settings.change(place, admin, 'channel', { max_count: '2', enabled: 'off' })).ok).toBe(true);
    expect((await other.get(place)).channels['channel-1']).toEqual({ maxCount: 2, enabled: false });
    expect((await other.reset(place, admin, 'channel', ['enabled'])).ok).toBe(true);
    expect((await settings.get(place)).channels['channel-1']).toEqual({ maxCount: 2 });
    await settings.close();
    const restarted = settingsOn(store.store, storage());
    expect((await restarted.get(place)).channels['channel-1']).toEqual({ maxCount: 2 });
  });
});
