/** Registers the command definitions for one guild (instant, for testing) or globally. */
import { REST, Routes } from 'discord.js';
import type { Config } from '../core/config.js';
import { commandDefinitions } from './commands.js';
import { makeRequest } from './rest.js';

export async function registerCommands(config: Pick<NonNullable<Config['discord']>, 'token' | 'applicationId' | 'apiUrl'>, options: { guildId?: string } = {}): Promise<{ scope: string; names: string[] }> {
  const rest = new REST({ api: config.apiUrl, version: '10', makeRequest }).setToken(config.token);
  const route = options.guildId ? Routes.applicationGuildCommands(config.applicationId, options.guildId) : Routes.applicationCommands(config.applicationId);
  const saved = (await rest.put(route, { body: commandDefinitions() })) as { name: string }[];
  return { scope: options.guildId ? `guild ${options.guildId}` : 'global', names: saved.map((c) => c.name) };
}
