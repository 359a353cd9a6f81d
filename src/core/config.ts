/**
 * The environment, parsed once at start-up. Every bad or missing variable is named, with what it
 * should look like; values of secrets are never echoed.
 */
import { z } from 'zod';

const optionalText = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().trim().optional());
/** Keys and tokens travel to these URLs: https, or plain http only to this machine (tests, a local proxy). */
const isLoopback = (hostname: string) => {
  const host = hostname.toLowerCase();
  return ['localhost', 'localhost.', '[::1]'].includes(host) || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host);
};
/** Why `text` is not an acceptable URL, or undefined. `bare`: only an address (no query, fragment or credentials). */
function urlProblem(text: string, example: string, bare: boolean): string | undefined {
  if (!/^https?:\/\//i.test(text) || !URL.canParse(text)) return `must be an https URL, like ${example}`;
  const url = new URL(text);
  if (url.protocol !== 'https:' && !isLoopback(url.hostname)) {
    return `must use https, like ${example} (plain http would send keys and tokens in clear; it is allowed only for 127.0.0.1, ::1 or localhost)`;
  }
  if (bare && (url.username || url.password)) return `must not contain a user name or password: give only the address, like ${example}`;
  if (bare && (url.search || url.hash || /[?#]/.test(text))) return `must not have a query (?…) or fragment (#…): give only the address, like ${example}`;
  return undefined;
}
const url = (example: string, bare = false) =>
  z
    .string()
    .trim()
    .superRefine((v, ctx) => {
      const problem = urlProblem(v, example, bare);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
const optionalUrl = (example: string, bare = false) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), url(example, bare).optional());
const withDefault = <T extends z.ZodTypeAny>(schema: T, value: string) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? v : value), schema);
/** A number from text, with one message that says what it should look like. */
const numberText = (message: string, check: (n: number) => boolean) =>
  z
    .string()
    .trim()
    .refine((v) => /^\d+(\.\d+)?$/.test(v) && check(Number(v)), { message })
    .transform(Number);
const optionalNumber = (message: string, check: (n: number) => boolean) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), numberText(message, check).optional());
const ADMIN = /^(discord:\d{5,25}|slack:[A-Z0-9]{5,25})$/;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  OXEN_API_KEY: z
    .string({ message: 'is required: an Oxen API key from https://oxen.ai/settings/profile' })
    .trim()
    .min(1, 'is required: an Oxen API key from https://oxen.ai/settings/profile'),
  OXEN_BASE_URL: withDefault(url('https://hub.oxen.ai'), 'https://hub.oxen.ai'),
  OXEN_REFERENCE_REPO: withDefault(
    z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a repository name of letters, digits, dot, dash or underscore'),
    'seedance-bot-references',
  ),
  REFERENCE_HOSTING: optionalText.pipe(
    z.enum(['self', 'oxen', 'passthrough'], { message: 'must be one of self, oxen, passthrough' }).optional(),
  ),
  DISCORD_TOKEN: optionalText,
  DISCORD_APPLICATION_ID: optionalText.pipe(z.string().regex(/^\d{5,25}$/, 'must be the numeric application id').optional()),
  DISCORD_API_URL: withDefault(url('https://discord.com/api'), 'https://discord.com/api'),
  DISCORD_MESSAGE_CONTENT: withDefault(z.enum(['true', 'false'], { message: 'must be true or false' }), 'false'),
  DISCORD_SHARD_COUNT: optionalNumber('must be a whole number of shards from 1 to 10000, like 4 (leave it empty to use the count Discord recommends)', (n) => Number.isInteger(n) && n >= 1 && n <= 10_000),
  SLACK_BOT_TOKEN: optionalText.pipe(z.string().startsWith('xoxb-', 'must be a bot token starting with xoxb-').optional()),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText.pipe(z.string().startsWith('xapp-', 'must be an app-level token starting with xapp-').optional()),
  SLACK_API_URL: withDefault(url('https://slack.com/api/'), 'https://slack.com/api/'),
  PORT: withDefault(z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65535), '3000'),
  PUBLIC_BASE_URL: optionalUrl('https://bot.example.com', true),
  DATA_DIR: withDefault(z.string(), './data'),
  STORE_URL: optionalText.pipe(
    z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL, like redis://127.0.0.1:6379').optional(),
  ),
  LOG_LEVEL: withDefault(z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }), 'info'),
  MAX_JOBS_PER_USER: withDefault(numberText('must be a whole number from 1 to 100, like 2', (n) => Number.isInteger(n) && n >= 1 && n <= 100), '2'),
  MAX_RUNNING_JOBS: withDefault(numberText('must be a whole number from 1 to 10000, like 20', (n) => Number.isInteger(n) && n >= 1 && n <= 10_000), '20'),
  JOB_TIMEOUT_MINUTES: withDefault(numberText('must be a number of minutes above 0 and at most 1440, like 30', (n) => n > 0 && n <= 1440), '30'),
  JOB_RETENTION_DAYS: withDefault(numberText('must be a whole number of days from 1 to 3650, like 30', (n) => Number.isInteger(n) && n >= 1 && n <= 3650), '30'),
  DAILY_VIDEO_SECONDS: optionalNumber('must be a number of video-seconds above 0, like 600 (leave it empty for no limit)', (n) => n > 0),
  DAILY_BUDGET_USD: optionalNumber('must be an amount in dollars above 0, like 25 or 12.50 (leave it empty for no limit)', (n) => n > 0),
  BOT_ADMINS: optionalText.pipe(
    z
      .string()
      .refine((v) => v.split(',').every((entry) => ADMIN.test(entry.trim())), {
        message: 'must be a comma-separated list of discord:<user id> or slack:<user id>, like discord:123456789012345678,slack:U0123ABCD',
      })
      .optional(),
  ),
  SHUTDOWN_GRACE_SECONDS: withDefault(numberText('must be a number of seconds from 0 to 600, like 25', (n) => n <= 600), '25'),
});

/** Every variable the bot reads: .env.example and README.md document each one (a test checks). */
export const ENV_VARIABLES = Object.keys(envSchema.shape) as (keyof typeof envSchema.shape)[];

export type Env = z.infer<typeof envSchema>;

export interface Config {
  oxen: { apiKey: string; baseUrl: string; referenceRepo: string };
  referenceHosting: 'self' | 'oxen' | 'passthrough';
  /** shardCount: DISCORD_SHARD_COUNT; absent means the count GET /gateway/bot recommends. */
  discord?: { token: string; applicationId: string; apiUrl: string; messageContentIntent: boolean; shardCount?: number };
  slack?: { botToken: string; signingSecret?: string; appToken?: string; apiUrl: string };
  http: { port: number; publicBaseUrl?: string };
  /** jobRetentionMs: how long a finished job is kept, with its place in /jobs (JOB_RETENTION_DAYS). */
  store: { dataDir: string; url?: string; jobRetentionMs: number };
  log: { level: (typeof LOG_LEVELS)[number] };
  limits: {
    /** Jobs one person may have in flight (MAX_JOBS_PER_USER). */
    perUser: number;
    /** Generations at Oxen at once, across all instances (MAX_RUNNING_JOBS). */
    running: number;
    /** A job still at Oxen after this long is cancelled (JOB_TIMEOUT_MINUTES). */
    jobTimeoutMs: number;
    /** Daily allowance per Discord server or Slack workspace; absent means no limit. */
    budget: { videoSecondsPerDay?: number; usdPerDay?: number };
  };
  /** `discord:<id>` and `slack:<id>` of people who may cancel or retry anyone's job. */
  admins: string[];
  /** How long a shutdown waits for uploads in progress before handing them back. */
  shutdown: { graceMs: number };
}

export interface LoadConfigOptions {
  /** Refuse a configuration that enables neither Discord nor Slack (what `npm start` needs). */
  requirePlatform?: boolean;
}

export const NO_PLATFORM_MESSAGE =
  'No chat platform is configured. Enable Discord with DISCORD_TOKEN and DISCORD_APPLICATION_ID, ' +
  'or Slack with SLACK_BOT_TOKEN plus SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode). ' +
  'See README.md ("Discord application" and "Slack app") and .env.example.';

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Configuration is not valid:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment into a Config, or throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): Config {
  const parsed = envSchema.safeParse(env);
  const issues: string[] = [];
  const noPlatform = options.requirePlatform && !['DISCORD_TOKEN', 'DISCORD_APPLICATION_ID', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN'].some((name) => env[name]?.trim());
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push(`${String(issue.path[0])} ${issue.message}`);
    if (noPlatform) issues.push(NO_PLATFORM_MESSAGE);
    throw new ConfigError(issues);
  }
  const e = parsed.data;
  if (Boolean(e.DISCORD_TOKEN) !== Boolean(e.DISCORD_APPLICATION_ID)) {
    issues.push('DISCORD_TOKEN and DISCORD_APPLICATION_ID must be set together to enable Discord');
  }
  if (e.SLACK_BOT_TOKEN && !e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
    issues.push('SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode) must be set with SLACK_BOT_TOKEN');
  }
  if (!e.SLACK_BOT_TOKEN && (e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN)) {
    issues.push('SLACK_BOT_TOKEN is required to enable Slack (a bot token starting with xoxb-)');
  }
  const referenceHosting = referenceHostingOf(e, issues);
  if (noPlatform) issues.push(NO_PLATFORM_MESSAGE);
  if (issues.length > 0) throw new ConfigError(issues);

  return {
    oxen: { apiKey: e.OXEN_API_KEY, baseUrl: e.OXEN_BASE_URL, referenceRepo: e.OXEN_REFERENCE_REPO },
    referenceHosting,
    ...(e.DISCORD_TOKEN && e.DISCORD_APPLICATION_ID
      ? {
          discord: {
            token: e.DISCORD_TOKEN,
            applicationId: e.DISCORD_APPLICATION_ID,
            apiUrl: e.DISCORD_API_URL,
            messageContentIntent: e.DISCORD_MESSAGE_CONTENT === 'true',
            ...(e.DISCORD_SHARD_COUNT !== undefined ? { shardCount: e.DISCORD_SHARD_COUNT } : {}),
          },
        }
      : {}),
    ...(e.SLACK_BOT_TOKEN
      ? {
          slack: {
            botToken: e.SLACK_BOT_TOKEN,
            apiUrl: e.SLACK_API_URL,
            ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
            ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
          },
        }
      : {}),
    http: { port: e.PORT, ...(e.PUBLIC_BASE_URL ? { publicBaseUrl: e.PUBLIC_BASE_URL } : {}) },
    store: { dataDir: e.DATA_DIR, ...(e.STORE_URL ? { url: e.STORE_URL } : {}), jobRetentionMs: e.JOB_RETENTION_DAYS * 86_400_000 },
    log: { level: e.LOG_LEVEL },
    limits: {
      perUser: e.MAX_JOBS_PER_USER,
      running: e.MAX_RUNNING_JOBS,
      jobTimeoutMs: Math.round(e.JOB_TIMEOUT_MINUTES * 60_000),
      budget: {
        ...(e.DAILY_VIDEO_SECONDS !== undefined ? { videoSecondsPerDay: e.DAILY_VIDEO_SECONDS } : {}),
        ...(e.DAILY_BUDGET_USD !== undefined ? { usdPerDay: e.DAILY_BUDGET_USD } : {}),
      },
    },
    admins: e.BOT_ADMINS ? [...new Set(e.BOT_ADMINS.split(',').map((a) => a.trim()))] : [],
    shutdown: { graceMs: Math.round(e.SHUTDOWN_GRACE_SECONDS * 1000) },
  };
}

/** Where Oxen fetches reference files from (REFERENCE_HOSTING, else self with PUBLIC_BASE_URL, else oxen); problems go to `issues`. */
function referenceHostingOf(e: Pick<Env, 'REFERENCE_HOSTING' | 'PUBLIC_BASE_URL' | 'OXEN_BASE_URL'>, issues: string[]): Config['referenceHosting'] {
  const referenceHosting = e.REFERENCE_HOSTING ?? (e.PUBLIC_BASE_URL ? 'self' : 'oxen');
  if (referenceHosting === 'self' && !e.PUBLIC_BASE_URL) {
    issues.push('PUBLIC_BASE_URL is required when REFERENCE_HOSTING=self: the public address of this bot, like https://bot.example.com');
  }
  // Oxen fetches self-hosted files from PUBLIC_BASE_URL: one only this machine can reach never works.
  if (referenceHosting !== 'oxen' && e.PUBLIC_BASE_URL && onlyThisMachine(e.PUBLIC_BASE_URL) && !onlyThisMachine(e.OXEN_BASE_URL)) {
    issues.push(`PUBLIC_BASE_URL ${new URL(e.PUBLIC_BASE_URL).host} is reachable only from this machine, so Oxen cannot fetch reference files from it (REFERENCE_HOSTING=${referenceHosting}): give the bot's public https address, or set REFERENCE_HOSTING=oxen`);
  }
  return referenceHosting;
}

/** What the operator CLI (src/cli) needs: Oxen, reference hosting, the job store and the job deadline. */
export type CliConfig = Pick<Config, 'oxen' | 'referenceHosting' | 'store'> & {
  http: Pick<Config['http'], 'publicBaseUrl'>;
  limits: Pick<Config['limits'], 'jobTimeoutMs'>;
};

const CLI_VARIABLES = {
  OXEN_API_KEY: true,
  OXEN_BASE_URL: true,
  OXEN_REFERENCE_REPO: true,
  REFERENCE_HOSTING: true,
  PUBLIC_BASE_URL: true,
  DATA_DIR: true,
  STORE_URL: true,
  JOB_RETENTION_DAYS: true,
  JOB_TIMEOUT_MINUTES: true,
} as const;

/**
 * The CLI's part of the same schema: only OXEN_API_KEY is required, and settings the CLI does not
 * use (Discord, Slack, limits) are not read, so a half-configured bot can still be checked from a terminal.
 */
export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const parsed = envSchema.pick(CLI_VARIABLES).safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `${String(issue.path[0])} ${issue.message}`));
  const e = parsed.data;
  const issues: string[] = [];
  const referenceHosting = referenceHostingOf(e, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    oxen: { apiKey: e.OXEN_API_KEY, baseUrl: e.OXEN_BASE_URL, referenceRepo: e.OXEN_REFERENCE_REPO },
    referenceHosting,
    http: e.PUBLIC_BASE_URL ? { publicBaseUrl: e.PUBLIC_BASE_URL } : {},
    store: { dataDir: e.DATA_DIR, ...(e.STORE_URL ? { url: e.STORE_URL } : {}), jobRetentionMs: e.JOB_RETENTION_DAYS * 86_400_000 },
    limits: { jobTimeoutMs: Math.round(e.JOB_TIMEOUT_MINUTES * 60_000) },
  };
}

/** The chat tokens and API bases as `npm start` reads them, each platform only when its token is set and valid (for `seedance check`). */
export function loadPlatformTokens(env: NodeJS.ProcessEnv = process.env): { discord?: { token: string; apiUrl: string }; slack?: { botToken: string; apiUrl: string } } {
  const discord = envSchema.pick({ DISCORD_TOKEN: true, DISCORD_API_URL: true }).safeParse(env);
  const slack = envSchema.pick({ SLACK_BOT_TOKEN: true, SLACK_API_URL: true }).safeParse(env);
  return {
    ...(discord.success && discord.data.DISCORD_TOKEN ? { discord: { token: discord.data.DISCORD_TOKEN, apiUrl: discord.data.DISCORD_API_URL } } : {}),
    ...(slack.success && slack.data.SLACK_BOT_TOKEN ? { slack: { botToken: slack.data.SLACK_BOT_TOKEN, apiUrl: slack.data.SLACK_API_URL } } : {}),
  };
}

/** A URL on a loopback address (localhost, 127.0.0.0/8 or ::1): reachable from this machine only. */
const onlyThisMachine = (url: string) => isLoopback(new URL(url).hostname);

/** Every secret value in the config, for the log scrubber: keys, tokens, the store's password. */
export function configSecrets(config: Pick<Config, 'oxen' | 'store'> & Partial<Pick<Config, 'discord' | 'slack'>>): string[] {
  const secrets = [config.oxen.apiKey, config.discord?.token, config.slack?.botToken, config.slack?.signingSecret, config.slack?.appToken];
  if (config.store.url && URL.canParse(config.store.url)) {
    const url = new URL(config.store.url);
    if (url.password) secrets.push(decodeURIComponent(url.password), url.password);
    secrets.push(config.store.url);
  }
  return secrets.filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/** The store URL with its password masked, for logs. */
export function describeStore(config: Pick<Config['store'], 'dataDir' | 'url'>): string {
  if (!config.url) return `sqlite:${config.dataDir}`;
  if (!URL.canParse(config.url)) return 'redis';
  const url = new URL(config.url);
  if (url.password) url.password = 'redacted';
  return url.href;
}
