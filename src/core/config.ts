/**
 * The environment, parsed once at start-up. Every bad or missing variable is named, with what it
 * should look like; values of secrets are never echoed.
 */
import { z } from 'zod';

const optionalText = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().trim().optional());
const url = (example: string) =>
  z
    .string()
    .trim()
    .refine((v) => /^https?:\/\//.test(v) && URL.canParse(v), { message: `must be an http(s) URL, like ${example}` });
const optionalUrl = (example: string) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), url(example).optional());
const withDefault = <T extends z.ZodTypeAny>(schema: T, value: string) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? v : value), schema);

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
  SLACK_BOT_TOKEN: optionalText.pipe(z.string().startsWith('xoxb-', 'must be a bot token starting with xoxb-').optional()),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText.pipe(z.string().startsWith('xapp-', 'must be an app-level token starting with xapp-').optional()),
  SLACK_API_URL: withDefault(url('https://slack.com/api/'), 'https://slack.com/api/'),
  PORT: withDefault(z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65535), '3000'),
  PUBLIC_BASE_URL: optionalUrl('https://bot.example.com'),
  DATA_DIR: withDefault(z.string(), './data'),
  STORE_URL: optionalText.pipe(
    z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL, like redis://127.0.0.1:6379').optional(),
  ),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  oxen: { apiKey: string; baseUrl: string; referenceRepo: string };
  referenceHosting: 'self' | 'oxen' | 'passthrough';
  discord?: { token: string; applicationId: string; apiUrl: string; messageContentIntent: boolean };
  slack?: { botToken: string; signingSecret?: string; appToken?: string; apiUrl: string };
  http: { port: number; publicBaseUrl?: string };
  store: { dataDir: string; url?: string };
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Configuration is not valid:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment into a Config, or throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  const issues: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push(`${String(issue.path[0])} ${issue.message}`);
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
  const referenceHosting = e.REFERENCE_HOSTING ?? (e.PUBLIC_BASE_URL ? 'self' : 'oxen');
  if (referenceHosting === 'self' && !e.PUBLIC_BASE_URL) {
    issues.push('PUBLIC_BASE_URL is required when REFERENCE_HOSTING=self: the public address of this bot, like https://bot.example.com');
  }
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
    store: { dataDir: e.DATA_DIR, ...(e.STORE_URL ? { url: e.STORE_URL } : {}) },
  };
}
