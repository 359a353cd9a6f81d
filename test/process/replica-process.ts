/**
 * One replica as compose.yaml runs it, in its own OS process: the whole app assembled as main.ts
 * assembles it (createApp with the real discord.js and Bolt adapters from createPlatformAdapters),
 * configured through its environment. The only difference from `npm start`: the Redis store gets
 * the test's own key prefix (STORE_PREFIX), so the test can delete everything it wrote.
 *
 *   node --import tsx test/process/replica-process.ts
 *
 * Environment: the bot's own (OXEN_*, DISCORD_*, SLACK_*, STORE_URL, DATA_DIR, PORT, LOG_LEVEL, ...),
 * plus BOT_NAME and STORE_PREFIX. Prints `READY {"port":N}` once started; logs are JSON lines on
 * stdout. Exits when the parent closes its stdin.
 */
import { createApp } from '../../src/app.js';
import { createPlatformAdapters } from '../../src/app/platforms.js';
import { exitOnSignals } from '../../src/app/signals.js';
import { configSecrets, loadConfig } from '../../src/core/config.js';
import { RedisJobStore } from '../../src/core/jobs/store-redis.js';
import { RedisSettingsStorage } from '../../src/core/settings/storage.js';
import { createLogger } from '../../src/core/log.js';
import { FAST_ENGINE } from '../helpers/harness.js';

const name = process.env['BOT_NAME'] ?? 'replica';
const prefix = process.env['STORE_PREFIX'];

const config = loadConfig(process.env, { requirePlatform: true });
const log = createLogger({ level: config.log.level, secrets: configSecrets(config) }).child({ bot: name });
const adapters = await createPlatformAdapters(config, log);
const app = createApp(config, {
  adapters,
  log,
  ...(config.store.url && prefix ? { store: new RedisJobStore(config.store.url, prefix), settingsStorage: new RedisSettingsStorage(config.store.url, prefix) } : {}),
  host: '127.0.0.1',
  processMetrics: false,
  engine: { ...FAST_ENGINE, instanceId: `${name}-${process.pid}` },
});
exitOnSignals(app, log, { overdueMs: config.shutdown.graceMs + 15_000 });
// Never outlive the test: the parent holds our stdin open.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
await app.start();
process.stdout.write(`READY ${JSON.stringify({ port: app.port })}\n`);
