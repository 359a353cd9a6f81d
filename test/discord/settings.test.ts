/**
 * `/video-settings` end to end: the real discord.js Client on the fake gateway, the real core and
 * SQLite store (jobs and settings in one DATA_DIR). An admin sets a channel maximum and default;
 * a member's `/video` gets the default (shown on the status message) and is refused above the
 * maximum naming the limit and who set it; a member's crafted `/video-settings set` changes
 * nothing; a person's daily allowance stops their next job with their usage; who may use the bot
 * by role; the settings survive a restart.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerSettings } from '../../src/core/settings/settings.js';
import { SqliteSettingsStorage } from '../../src/core/settings/storage.js';
import { commandDefinitions } from '../../src/discord/commands.js';
import { apiUser, buttonPress, MEMBER_PERMISSIONS, slashCommand, type SlashOption } from '../fakes/discord/index.js';
import { eventually, sqliteStore } from '../helpers/harness.js';
import { ANN, answerTo, BOB, postsTo, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && world) console.log(world.discord.calls.map((c) => `${c.method} ${c.path} ${c.status} ${JSON.stringify(c.json)?.slice(0, 200)}`).join('\n'), world.core.errors, world.log.lines.filter((l) => l.level !== 'debug'));
  await world?.close();
  world = undefined;
});

const STRING = 3;
const INTEGER = 4;
const NUMBER = 10;
const SUBCOMMAND = 1;
const VIDEO_MAKERS = '500000000000000001';
const MEMBER = { permissions: MEMBER_PERMISSIONS };

async function startWithSettings(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'seedance-discord-settings-'));
  return startWorld({
    store: sqliteStore(dir),
    discord: { roles: [{ id: VIDEO_MAKERS, name: 'video-makers' }] },
    service: { perUserLimit: 5 },
    serverSettings: (store) => new ServerSettings({ storage: new SqliteSettingsStorage(dir), store, ceiling: {} }),
  });
}

async function run(w: World, user: typeof ANN, member: { roles?: string[]; permissions?: string } | undefined, name: string, options: SlashOption[] | { sub: string; options: SlashOption[] }): Promise<string> {
  const data = Array.isArray(options) ? options : [{ name: options.sub, type: SUBCOMMAND, options: options.options } as unknown as SlashOption];
  const payload = slashCommand({ ...w.discord.context(user), ...(member ? { member } : {}) }, name, data);
  await w.discord.dispatchInteraction(payload);
  return answerTo(w.discord, payload);
}

const settingsSet = (scope: string, options: SlashOption[]) => ({ sub: 'set', options: [{ name: 'scope', type: STRING, value: scope }, ...options] });
const jobIdIn = (answer: string) => /Started job `([a-z2-9]{6})`/.exec(answer)?.[1];

describe('/video-settings', () => {
  it('is registered for Manage Server only', () => {
    const command = commandDefinitions().find((c) => c.name === 'video-settings') as { default_member_permissions?: string; options?: { name: string }[] };
    expect(command.default_member_permissions).toBe('32');
    expect(command.options?.map((o) => o.name)).toEqual(['show', 'set', 'reset']);
  });

  it('an admin sets a channel maximum and default: a member gets the default and is refused above the maximum', async () => {
    world = await startWithSettings();
    const saved = await run(world, ANN, undefined, 'video-settings', settingsSet('channel', [
      { name: 'max_resolution', type: STRING, value: '720p' },
      { name: 'default_duration', type: STRING, value: '5' },
    ]));
    expect(saved).toContain('Saved for this channel');
    expect(saved).toContain('Highest resolution (`max_resolution`): `720p`');

    const started = await run(world, BOB, MEMBER, 'video', [{ name: 'prompt', type: STRING, value: 'a fox' }]);
    const jobId = jobIdIn(started);
    expect(jobId, started).toBeDefined();
    const job = await world.handle.store.get(jobId!);
    expect(job?.request.options.duration).toBe(5);
    expect(job?.settingSources).toEqual({ duration: 'channel' });
    const status = postsTo(world.discord, world.discord.channelId).find((c) => String(c.json?.content).includes(jobId!))!;
    expect(status.json.content).toContain("From this channel's settings: length `5 s`.");
    // Parameters says so too.
    const statusMessage = [...world.discord.messages.values()].find((m) => m.content.includes(jobId!))!;
    const press = buttonPress({ ...world.discord.context(BOB), member: MEMBER }, `job:params:${jobId}`, statusMessage);
    await world.discord.dispatchInteraction(press);
    expect(await answerTo(world.discord, press)).toContain("From this channel's settings: length `5 s`.");

    const refused = await run(world, BOB, MEMBER, 'video', [
      { name: 'prompt', type: STRING, value: 'a fox' },
      { name: 'resolution', type: STRING, value: '1080p' },
    ]);
    expect(refused).toContain('This channel allows up to `720p` for the resolution (you asked for `1080p`); an admin can change it with `/video-settings`.');
  });

  it('a member cannot change settings, also with a crafted interaction', async () => {
    world = await startWithSettings();
    const refused = await run(world, BOB, MEMBER, 'video-settings', settingsSet('server', [{ name: 'max_count', type: INTEGER, value: 1 }]));
    expect(refused).toContain("Only the server's admins can change the bot's settings (people with the Manage Server permission). Nothing was changed.");
    const reset = await run(world, BOB, MEMBER, 'video-settings', { sub: 'reset', options: [{ name: 'scope', type: STRING, value: 'server' }] });
    expect(reset).toContain('Nothing was changed');
    const shown = await run(world, ANN, undefined, 'video-settings', { sub: 'show', options: [] });
    expect(shown).toContain("nothing set: the operator's defaults and limits apply");
  });

  it('a person’s daily allowance stops their next job, with their usage', async () => {
    world = await startWithSettings();
    expect(await run(world, ANN, undefined, 'video-settings', settingsSet('server', [{ name: 'person_daily_seconds', type: NUMBER, value: 8 }]))).toContain('Saved for this server');
    const first = await run(world, BOB, MEMBER, 'video', [{ name: 'prompt', type: STRING, value: 'one' }, { name: 'duration', type: STRING, value: '5' }]);
    expect(jobIdIn(first), first).toBeDefined();
    const second = await run(world, BOB, MEMBER, 'video', [{ name: 'prompt', type: STRING, value: 'two' }, { name: 'duration', type: STRING, value: '5' }]);
    expect(second).toContain('You have used 5 of your 8 video-seconds for today; this video needs 5 more.');
    // Another person still has their own allowance.
    expect(jobIdIn(await run(world, ANN, undefined, 'video', [{ name: 'prompt', type: STRING, value: 'three' }, { name: 'duration', type: STRING, value: '5' }]))).toBeDefined();
  });

  it('only the roles allowed may use the bot, and the settings survive a restart', async () => {
    world = await startWithSettings();
    expect(await run(world, ANN, undefined, 'video-settings', settingsSet('server', [{ name: 'allowed_roles', type: STRING, value: `<@&${VIDEO_MAKERS}>` }]))).toContain('Saved for this server');
    expect(await run(world, ANN, undefined, 'video-settings', settingsSet('server', [{ name: 'allowed_roles', type: STRING, value: '<@&123456789>' }]))).toContain('These are not roles of this server');
    await world.restart();
    const outside = await run(world, BOB, MEMBER, 'video', [{ name: 'prompt', type: STRING, value: 'a fox' }]);
    expect(outside).toContain('This server lets only some roles use the bot, and you are not in them.');
    const inside = await run(world, BOB, { ...MEMBER, roles: [VIDEO_MAKERS] }, 'video', [{ name: 'prompt', type: STRING, value: 'a fox' }]);
    expect(jobIdIn(inside), inside).toBeDefined();

    // A mention carries the author's roles as the gateway sends them with the message.
    const { discord } = world;
    await discord.postUserMessage(ANN, { content: `<@${discord.bot.id}> a cat`, mentions: [apiUser(discord.bot)] });
    await eventually(() => postsTo(discord, discord.channelId).some((c) => String(c.json?.content).includes('lets only some roles use the bot')), 8_000, 'the refusal of a mention');
    discord.memberRoles.set(ANN.id, [VIDEO_MAKERS]);
    const before = (await world.core.service.list({ platform: 'discord', userId: ANN.id })).length;
    await discord.postUserMessage(ANN, { content: `<@${discord.bot.id}> a dog`, mentions: [apiUser(discord.bot)] });
    await eventually(async () => (await world!.core.service.list({ platform: 'discord', userId: ANN.id })).length === before + 1, 8_000, 'the job of an allowed mention');
  });
});
