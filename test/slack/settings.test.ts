/**
 * `/video settings` and the App Home through the real Bolt app on loopback, the fake Slack Web
 * API (users.info admin flags, usergroups.users.list, views.open/publish), the real core and
 * SQLite store (jobs and settings in one DATA_DIR). An admin's form sets a channel maximum and a
 * default; a member's request gets the default and is refused above the maximum with who set it;
 * a member cannot open the form nor submit a crafted one; a person's daily allowance stops their
 * next job with their usage; App Home shows settings and usage; user groups limit who may use it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerSettings } from '../../src/core/settings/settings.js';
import { SqliteSettingsStorage } from '../../src/core/settings/storage.js';
import { viewSubmission } from '../fakes/slack/index.js';
import { sqliteStore } from '../helpers/harness.js';
import { eventually, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const ADMIN = 'U1';
const MEMBER = 'U2';

async function startWithSettings(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'seedance-slack-settings-'));
  const w = await startWorld({
    store: sqliteStore(dir),
    timing: 'manual',
    service: { perUserLimit: 5 },
    serverSettings: (store) => new ServerSettings({ storage: new SqliteSettingsStorage(dir), store, ceiling: {} }),
  });
  w.slack.users.set(ADMIN, { is_admin: true });
  w.slack.users.set(MEMBER, {});
  return w;
}

const submitForm = (w: World, user: string, scope: 'server' | 'channel', values: Record<string, string>) =>
  w.bot.sender.interactive(
    viewSubmission({
      user,
      callbackId: 'video_settings',
      privateMetadata: JSON.stringify({ s: scope, c: 'C1' }),
      values: Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value: { type: 'plain_text_input', value } }])),
    }),
  );

/** The private answers (response_url posts) so far, as text. */
const answers = (w: World) => w.slack.responses.map((r) => String(r.body['text'] ?? ''));
const answerContaining = async (w: World, text: string) => {
  await eventually(() => answers(w).some((a) => a.includes(text)), 8_000, `an answer with "${text}"`);
};

describe('/video settings', () => {
  it('an admin sets a channel maximum and default: a member gets the default and is refused above the maximum', async () => {
    world = await startWithSettings();
    const { slack, bot } = world;
    await bot.sender.command('settings channel', { user_id: ADMIN });
    await eventually(() => slack.callsTo('views.open').length === 1, 5_000, 'the form');
    const form = slack.callsTo('views.open')[0]!.args['view'] as { callback_id: string; private_metadata: string; blocks: { block_id?: string }[] };
    expect(form.callback_id).toBe('video_settings');
    expect(JSON.parse(form.private_metadata)).toEqual({ s: 'channel', c: 'C1' });
    expect(form.blocks.map((b) => b.block_id)).toContain('max_resolution');
    expect(form.blocks.map((b) => b.block_id)).not.toContain('person_daily_seconds');

    const saved = await submitForm(world, ADMIN, 'channel', { max_resolution: '720p', default_duration: '5' });
    expect(JSON.parse(saved.body)).toMatchObject({ response_action: 'update' });
    expect(saved.body).toContain('Highest resolution');

    await bot.sender.command('a red fox', { user_id: MEMBER });
    let jobs: Awaited<ReturnType<typeof bot.core.service.list>> = [];
    await eventually(async () => (jobs = await bot.core.service.list({ platform: 'slack', userId: MEMBER })).length === 1, 8_000, 'the job');
    expect(jobs[0]!.job.request.options.duration).toBe(5);
    expect(jobs[0]!.job.settingSources).toEqual({ duration: 'channel' });
    const status = slack.messages.find((m) => m.text?.includes(jobs[0]!.job.id) || JSON.stringify(m.blocks ?? []).includes(jobs[0]!.job.id))!;
    expect(JSON.stringify(status.blocks)).toContain("From this channel's settings: length `5 s`.");

    await bot.sender.command('a red fox --res 1080p', { user_id: MEMBER });
    await answerContaining(world, 'This channel allows up to `720p` for the resolution (you asked for `1080p`); an admin can change it with `/video settings`.');
  });

  it('a member can neither open the form nor submit a crafted one', async () => {
    world = await startWithSettings();
    const { slack, bot } = world;
    await bot.sender.command('settings', { user_id: MEMBER });
    await answerContaining(world, "Only the workspace's admins can change the bot's settings");
    expect(slack.callsTo('views.open')).toHaveLength(0);

    const crafted = await submitForm(world, MEMBER, 'server', { max_count: '1' });
    const body = JSON.parse(crafted.body) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(Object.values(body.errors).join(' ')).toContain("Only the workspace's admins can change the bot's settings (workspace admins and owners, and the bot's operators). Nothing was changed.");
    expect(await bot.core.service.serverSettings!.get({ platform: 'slack', scopeId: 'T1' })).toEqual({ server: {}, channels: {} });
  });

  it('a person’s daily allowance stops their next job with their usage, and App Home shows it', async () => {
    world = await startWithSettings();
    const { slack, bot } = world;
    expect(JSON.parse((await submitForm(world, ADMIN, 'server', { person_daily_seconds: '8' })).body)).toMatchObject({ response_action: 'update' });
    await bot.sender.command('one --duration 5', { user_id: MEMBER });
    await eventually(async () => (await bot.core.service.list({ platform: 'slack', userId: MEMBER })).length === 1, 8_000, 'the first job');
    await bot.sender.command('two --duration 5', { user_id: MEMBER });
    await answerContaining(world, 'You have used 5 of your 8 video-seconds for today; this video needs 5 more.');

    await bot.sender.command('usage', { user_id: MEMBER });
    await answerContaining(world, '• You: 5 video-seconds of 8 video-seconds');

    await bot.sender.event({ type: 'app_home_opened', user: MEMBER, channel: 'D1', tab: 'home', event_ts: '1.000001' });
    await eventually(() => slack.homeViews.has(MEMBER), 5_000, 'the App Home view');
    const home = JSON.stringify(slack.homeViews.get(MEMBER));
    expect(home).toContain('Video-seconds per person per day');
    expect(home).toContain('You: 5 video-seconds of 8 video-seconds');
  });

  it('only the user groups allowed may use the bot', async () => {
    world = await startWithSettings();
    const { slack, bot } = world;
    slack.userGroups.set('S0MAKERS', new Set(['U3']));
    expect(JSON.parse((await submitForm(world, ADMIN, 'server', { allowed_roles: '<!subteam^S0MAKERS|@makers>' })).body)).toMatchObject({ response_action: 'update' });
    await bot.sender.command('a red fox', { user_id: MEMBER });
    await answerContaining(world, 'This workspace lets only some user groups use the bot, and you are not in them.');
    await bot.sender.command('a red fox', { user_id: 'U3' });
    await eventually(async () => (await bot.core.service.list({ platform: 'slack', userId: 'U3' })).length === 1, 8_000, 'the allowed person’s job');
  });
});
