/**
 * A replica for the shard tests, in its own OS process: the whole app as main.ts assembles it
 * (createApp, the real discord.js adapter as createPlatformAdapters makes it: stays up when
 * refused), with the shard lease and identify timings shortened so takeover takes seconds.
 * Otherwise as test/process/replica-process.ts: configured through its environment, the Redis
 * store under the test's STORE_PREFIX, `READY {"port":N}` once started, JSON log lines on stdout,
 * exits when its stdin closes.
 *
 * Test-only environment: BOT_NAME, STORE_PREFIX, SHARD_LEASE_TTL_MS, SHARD_RENEW_MS, IDENTIFY_WINDOW_MS.
 */
import { createApp } from '../../src/app.js';
import { exitOnSignals } from '../../src/app/signals.js';
import { configSecrets, loadConfig } from '../../src/core/config.js';
import { RedisJobStore } from '../../src/core/jobs/store-redis.js';
import { createLogger } from '../../src/core/log.js';
import { createDiscordAdapter } from '../../src/discord/index.js';
import { FAST_ENGINE } from '../helpers/harness.js';

const name = process.env['BOT_NAME'] ?? 'replica';
const prefix = process.env['STORE_PREFIX'];
const ms = (variable: string, fallback: number) => Number(process.env[variable] ?? fallback);

const config = loadConfig(process.env, { requirePlatform: true });
if (!config.discord) throw new Error('the shard tests need DISCORD_TOKEN and DISCORD_APPLICATION_ID');
const log = createLogger({ level: config.log.level, secrets: configSecrets(config) }).child({ bot: name });
const discord = createDiscordAdapter(config.discord, {
  log,
  whenRefused: 'stay-unready',
  shards: { ttlMs: ms('SHARD_LEASE_TTL_MS', 3_000), renewMs: ms('SHARD_RENEW_MS', 500), identifyWindowMs: ms('IDENTIFY_WINDOW_MS', 1_000), identifyPollMs: 50 },
});
const app = createApp(config, {
  adapters: [discord],
  log,
  ...(config.store.url && prefix ? { store: new RedisJobStore(config.store.url, prefix) } : {}),
  host: '127.0.0.1',
  processMetrics: false,
  engine: { ...FAST_ENGINE, instanceId: `${name}-${process.pid}` },
});
exitOnSignals(app, log, { overdueMs: config.shutdown.graceMs + 15_000 });
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
await app.start();
process.stdout.write(`READY ${JSON.stringify({ port: app.port })}\n`);
