/**
 * Registers the Discord commands: `npm run register -- --guild <id>` for one guild (instant,
 * for testing) or `npm run register` for every guild (global; may take a while to show).
 * Reads DISCORD_TOKEN, DISCORD_APPLICATION_ID and DISCORD_API_URL through loadConfig.
 */
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig } from '../src/core/config.js';
import { registerCommands } from '../src/discord/register.js';

export function parseArgs(argv: readonly string[]): { guildId?: string } {
  const i = argv.findIndex((a) => a === '--guild' || a.startsWith('--guild='));
  if (i === -1) return {};
  const value = argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  if (!value || !/^\d+$/.test(value)) throw new Error('--guild needs a numeric guild id, like --guild 123456789012345678');
  return { guildId: value };
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  // The Oxen key is not needed to register commands.
  const config = loadConfig({ OXEN_API_KEY: 'unused-for-register', ...env });
  if (!config.discord) throw new Error('DISCORD_TOKEN and DISCORD_APPLICATION_ID must be set to register commands.');
  const result = await registerCommands(config.discord, parseArgs(argv));
  return `Registered ${result.names.map((n) => `"${n}"`).join(', ')} (${result.scope}).`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (line) => console.log(line),
    (error: unknown) => {
      console.error(error instanceof ConfigError || error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    },
  );
}
