/**
 * `/help` on Discord: the same substance as Slack's `/video help` (test/slack/command.test.ts):
 * every line of the shared help (src/core/help: options, files and labels, limits, choices,
 * examples) is in it, as an ephemeral embed within Discord's embed limits (the fake refuses what
 * Discord refuses, fields included), with mentions disabled. Real discord.js against the fake.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { commandDefinitions } from '../../src/discord/commands.js';
import { sharedHelpLines } from '../helpers/help.js';
import { slashCommand } from '../fakes/discord/index.js';
import { eventually } from '../helpers/harness.js';
import { ANN, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});


describe('/help', () => {
  it('is registered with the other commands', () => {
    expect(commandDefinitions().map((c) => c.name)).toContain('help');
  });

  it('answers privately with the shared help as an embed within the limits, mentioning no one', async () => {
    world = await startWorld();
    const { discord } = world;
    const payload = slashCommand(discord.context(ANN), 'help', []);
    await discord.dispatchInteraction(payload);
    await eventually(() => discord.callbacks.has(payload.id), 3_000, 'the answer');
    const call = discord.calls.find((c) => c.route === 'interactionCallback' && c.path.includes(payload.token))!;
    expect(call.status).toBe(204);
    const data = call.json.data as { flags: number; embeds: { title: string; description: string; fields: { name: string; value: string }[] }[]; allowed_mentions: unknown; content?: string };
    expect(call.json.type).toBe(4);
    expect(data.flags).toBe(64);
    expect(data.allowed_mentions).toEqual({ parse: [] });
    const [embed] = data.embeds;
    const text = [embed!.title, embed!.description, ...embed!.fields.flatMap((f) => [f.name, f.value])].join('\n');
    for (const line of sharedHelpLines()) expect(text).toContain(line);
    expect(text).toContain('`--res`/`--resolution`');
    expect(text).toContain('@Image1');
    expect(text).toMatch(/up to 9 images/);
    expect(text).toContain('**Make video**');
    expect(text.length).toBeLessThanOrEqual(6_000);
  });
});
