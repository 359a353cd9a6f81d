/**
 * `npm start`: the environment (and ./.env) -> Config (exit 1 at once, naming every bad variable) -> logger
 * (every configured secret scrubbed) -> the adapters of the configured platforms -> the app ->
 * start. SIGTERM/SIGINT shut down gracefully; a second signal exits at once.
 */
import { existsSync } from 'node:fs';
import { createApp } from './app.js';
import { createPlatformAdapters } from './app/platforms.js';
import { exitOnSignals } from './app/signals.js';
import { ConfigError, configSecrets, loadConfig, type Config } from './core/config.js';
import { createLogger } from './core/log.js';

// A .env file in the working directory, if there is one; variables already set win.
if (existsSync('.env')) process.loadEnvFile('.env');

let config: Config;
try {
  config = loadConfig(process.env, { requirePlatform: true });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`seedance-bot cannot start: the configuration is not valid.\n${error.issues.map((i) => `  - ${i}`).join('\n')}\nSee .env.example for every setting.\n`);
  process.exit(1);
}

const log = createLogger({ level: config.log.level, secrets: configSecrets(config) });
process.on('unhandledRejection', (error) => log.error('process.unhandled_rejection', { error }));

try {
  const adapters = await createPlatformAdapters(config, log);
  const app = createApp(config, { adapters, log });
  exitOnSignals(app, log, { overdueMs: config.shutdown.graceMs + 15_000 });
  try {
    await app.start();
  } catch (error) {
    log.error('bot.start_failed', { error });
    await app.shutdown('start failed');
    process.exit(1);
  }
} catch (error) {
  log.error('bot.start_failed', { error });
  log.flush?.();
  process.exit(1);
}
