/**
 * Registering commands, and how the adapter starts and stops: clear reasons when Discord refuses
 * the token or the intent, a short answer while restarting, the command definitions themselves.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.js';
import { DURATION_MAX, DURATION_MIN } from '../../src/core/request.js';
import { tierChoices } from '../../src/core/models/catalog.js';
import { commandDefinitions } from '../../src/discord/commands.js';
import { createDiscordAdapter } from '../../src/discord/index.js';
import { main } from '../../scripts/register.js';
import { slashCommand, startFakeDiscord, type FakeDiscord } from '../fakes/discord/index.js';
import { ANN, startWorld, type World } from './helpers.js';

let discord: FakeDiscord | undefined;
let world: World | undefined;
afterEach(async () => {
  await discord?.close();
  await world?.close();
  discord = undefined;
  world = undefined;
});

describe('command definitions', () => {
  it('take their choices from the catalog and filter attachment types', () => {
    const [video, jobs, menu] = commandDefinitions() as any[];
    expect(video.name).toBe('video');
    expect(video.options.length).toBeLessThanOrEqual(25);
    expect(video.options[0]).toMatchObject({ name: 'prompt', required: true });
    expect(video.options.find((o: any) => o.name === 'tier').choices.map((c: any) => c.value)).toEqual(tierChoices({ includeAuto: true }).map((c) => c.value));
    // auto, 4-15 (2.0) and 20, 25, 30 (2.5): within Discord's 25 choices.
    expect(video.options.find((o: any) => o.name === 'duration').choices).toHaveLength(15 - DURATION_MIN + 2 + 3);
    expect(DURATION_MAX).toBe(30);
    const files = video.options.filter((o: any) => o.type === 11);
    expect(files.find((o: any) => o.name === 'image1').file_types).toEqual(['image']);
    expect(files.find((o: any) => o.name === 'video1').file_types).toEqual(['video']);
    expect(files.find((o: any) => o.name === 'audio1').file_types).toEqual(['audio']);
    expect(jobs.name).toBe('jobs');
    expect(menu).toMatchObject({ name: 'Make video', type: 3 });
    // Discord's limit: 8,000 characters of names, descriptions and values per command (a whole JSON is more, so this errs safe).
    for (const command of commandDefinitions()) expect(JSON.stringify(command).length).toBeLessThan(8000);
  });
});

describe('npm run register', () => {
  it('puts the commands for one guild, or globally, with the bot token', async () => {
    discord = await startFakeDiscord();
    const env = { DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: discord.applicationId, DISCORD_API_URL: discord.url };
    expect(await main(['--guild', discord.guildId], env)).toBe(`Registered "video", "jobs", "Make video", "video-settings", "help", "usage" (guild ${discord.guildId}).`);
    expect(await main([], env)).toContain('(global)');
    const [guild, global] = discord.callsTo('putCommands');
    expect(guild!.path).toBe(`/applications/${discord.applicationId}/guilds/${discord.guildId}/commands`);
    expect(global!.path).toBe(`/applications/${discord.applicationId}/commands`);
    expect(guild!.authorization).toBe(`Bot ${discord.token}`);
    expect(guild!.json).toEqual(JSON.parse(JSON.stringify(commandDefinitions())));
  });

  it('runs as a script and fails clearly without the variables', () => {
    const run = spawnSync('npx', ['tsx', 'scripts/register.ts', '--guild', '1'], { env: { ...process.env, DISCORD_TOKEN: '', DISCORD_APPLICATION_ID: '' }, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('DISCORD_TOKEN and DISCORD_APPLICATION_ID must be set');
  });
});

describe('start and stop', () => {
  it('rejects with a clear reason when the Message Content intent is not allowed', async () => {
    discord = await startFakeDiscord();
    discord.switches.messageContentAllowed = false;
    const adapter = createDiscordAdapter({ token: discord.token, applicationId: discord.applicationId, apiUrl: discord.url, messageContentIntent: true }, { log: silentLogger, readyTimeoutMs: 5_000 });
    await expect(adapter.start({ service: {} as never, log: silentLogger })).rejects.toThrow(/Message Content intent.*DISCORD_MESSAGE_CONTENT=false/);
    expect(adapter.isConnected()).toBe(false);
    await adapter.close();
  });

  it('rejects with a clear reason, without the token, when Discord refuses the token', async () => {
    discord = await startFakeDiscord();
    const adapter = createDiscordAdapter({ token: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.wrong.token-that-discord-refuses-000000', applicationId: discord.applicationId, apiUrl: discord.url, messageContentIntent: false }, { log: silentLogger, readyTimeoutMs: 5_000 });
    const error = await adapter.start({ service: {} as never, log: silentLogger }).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/DISCORD_TOKEN/);
    expect(error?.message).not.toContain('wrong.token');
    await adapter.close();
  });

  it('answers new commands with a short "restarting" once it stops accepting', async () => {
    world = await startWorld();
    expect(world.adapter.isConnected()).toBe(true);
    world.adapter.stopAccepting();
    const payload = slashCommand(world.discord.context(ANN), 'video', [{ name: 'prompt', type: 3, value: 'fox' }]);
    await world.discord.dispatchInteraction(payload);
    await world.discord.waitForCall((c) => c.route === 'interactionCallback' && c.path.includes(payload.id));
    expect(world.discord.callsTo('interactionCallback')[0]!.json).toMatchObject({ type: 4, data: { content: expect.stringContaining('restarting'), flags: 64 } });
    expect(world.oxen.requestsTo('enqueue')).toHaveLength(0);
  });
});
