import { describe, expect, it } from 'vitest';
import { ConfigError, configSecrets, describeStore, loadConfig, NO_PLATFORM_MESSAGE } from '../../src/core/config.js';

const base = { OXEN_API_KEY: 'sk-test-secret', PUBLIC_BASE_URL: 'https://bot.example.com' };

function issuesOf(env: NodeJS.ProcessEnv, options: Parameters<typeof loadConfig>[1] = {}): string[] {
  try {
    loadConfig(env, options);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config.oxen.baseUrl).toBe('https://hub.oxen.ai');
    expect(config.http.port).toBe(3000);
    expect(config.store).toEqual({ dataDir: './data', jobRetentionMs: 30 * 86_400_000 });
    expect(config.referenceHosting).toBe('self');
    expect(config.discord).toBeUndefined();
    expect(config.slack).toBeUndefined();
    expect(config.log).toEqual({ level: 'info' });
    expect(config.limits).toEqual({ perUser: 2, running: 20, jobTimeoutMs: 30 * 60_000, budget: {} });
    expect(config.admins).toEqual([]);
    expect(config.shutdown).toEqual({ graceMs: 25_000 });
  });

  it('reads the operator settings', () => {
    const config = loadConfig({
      ...base,
      LOG_LEVEL: 'debug',
      MAX_JOBS_PER_USER: '3',
      MAX_RUNNING_JOBS: '50',
      JOB_TIMEOUT_MINUTES: '12.5',
      DAILY_VIDEO_SECONDS: '600',
      DAILY_BUDGET_USD: '12.50',
      BOT_ADMINS: ' discord:123456789012345678 , slack:U0123ABCD,discord:123456789012345678',
      SHUTDOWN_GRACE_SECONDS: '0',
    });
    expect(config.log.level).toBe('debug');
    expect(config.limits).toEqual({ perUser: 3, running: 50, jobTimeoutMs: 750_000, budget: { videoSecondsPerDay: 600, usdPerDay: 12.5 } });
    expect(config.admins).toEqual(['discord:123456789012345678', 'slack:U0123ABCD']);
    expect(config.shutdown.graceMs).toBe(0);
  });

  it('names each malformed operator setting with what it should look like', () => {
    const issues = issuesOf({
      ...base,
      LOG_LEVEL: 'loud',
      MAX_JOBS_PER_USER: '0',
      MAX_RUNNING_JOBS: 'many',
      JOB_TIMEOUT_MINUTES: '-5',
      DAILY_VIDEO_SECONDS: '10s',
      DAILY_BUDGET_USD: '$25',
      BOT_ADMINS: 'discord:123456789012345678,alice',
      SHUTDOWN_GRACE_SECONDS: '3600',
    });
    expect(issues).toEqual([
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
      'MAX_JOBS_PER_USER must be a whole number from 1 to 100, like 2',
      'MAX_RUNNING_JOBS must be a whole number from 1 to 10000, like 20',
      'JOB_TIMEOUT_MINUTES must be a number of minutes above 0 and at most 1440, like 30',
      'DAILY_VIDEO_SECONDS must be a number of video-seconds above 0, like 600 (leave it empty for no limit)',
      'DAILY_BUDGET_USD must be an amount in dollars above 0, like 25 or 12.50 (leave it empty for no limit)',
      'BOT_ADMINS must be a comma-separated list of discord:<user id> or slack:<user id>, like discord:123456789012345678,slack:U0123ABCD',
      'SHUTDOWN_GRACE_SECONDS must be a number of seconds from 0 to 600, like 25',
    ]);
  });

  it('treats empty values as unset (a copied .env.example with blanks works)', () => {
    const config = loadConfig({ ...base, DAILY_VIDEO_SECONDS: '', DAILY_BUDGET_USD: ' ', BOT_ADMINS: '', LOG_LEVEL: '', MAX_JOBS_PER_USER: '' });
    expect(config.limits.budget).toEqual({});
    expect(config.limits.perUser).toBe(2);
    expect(config.admins).toEqual([]);
  });

  it('with requirePlatform (npm start), says how to enable a platform, together with the other problems', () => {
    expect(issuesOf(base, { requirePlatform: true })).toEqual([NO_PLATFORM_MESSAGE]);
    expect(NO_PLATFORM_MESSAGE).toMatch(/DISCORD_TOKEN and DISCORD_APPLICATION_ID/);
    expect(NO_PLATFORM_MESSAGE).toMatch(/SLACK_BOT_TOKEN plus SLACK_SIGNING_SECRET \(HTTP mode\) or SLACK_APP_TOKEN \(Socket Mode\)/);
    const issues = issuesOf({ PORT: 'x' }, { requirePlatform: true });
    expect(issues.map((i) => i.split(' ')[0])).toEqual(['OXEN_API_KEY', 'PORT', 'No']);
    expect(loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }, { requirePlatform: true }).slack).toBeDefined();
  });

  it('lists every secret for the log scrubber, the store password included, and masks it in descriptions', () => {
    const config = loadConfig({
      ...base,
      DISCORD_TOKEN: 'discord-token-value',
      DISCORD_APPLICATION_ID: '123456789012345678',
      SLACK_BOT_TOKEN: 'xoxb-slack-bot',
      SLACK_SIGNING_SECRET: 'signing-secret-value',
      SLACK_APP_TOKEN: 'xapp-slack-app',
      STORE_URL: 'redis://default:p%40ss-word@redis:6379/0',
    });
    expect(configSecrets(config)).toEqual(
      expect.arrayContaining(['sk-test-secret', 'discord-token-value', 'xoxb-slack-bot', 'signing-secret-value', 'xapp-slack-app', 'p@ss-word', 'p%40ss-word']),
    );
    expect(describeStore(config.store)).toBe('redis://default:redacted@redis:6379/0');
    expect(describeStore({ dataDir: './data' })).toBe('sqlite:./data');
  });

  it('names the missing API key', () => {
    const issues = issuesOf({});
    expect(issues.some((i) => i.startsWith('OXEN_API_KEY is required'))).toBe(true);
  });

  it('names every malformed variable at once, without echoing secret values', () => {
    const issues = issuesOf({
      OXEN_API_KEY: 'sk-test-secret',
      OXEN_BASE_URL: 'not a url',
      PORT: 'eighty',
      STORE_URL: 'postgres://x',
      SLACK_BOT_TOKEN: 'xoxp-user-token-secret',
    });
    expect(issues.map((i) => i.split(' ')[0]).sort()).toEqual(['OXEN_BASE_URL', 'PORT', 'SLACK_BOT_TOKEN', 'STORE_URL']);
    expect(issues.join('\n')).not.toContain('xoxp-user-token-secret');
    expect(issues.join('\n')).not.toContain('sk-test-secret');
  });

  it('requires both Discord variables together', () => {
    expect(issuesOf({ ...base, DISCORD_TOKEN: 'abc' })).toEqual([
      'DISCORD_TOKEN and DISCORD_APPLICATION_ID must be set together to enable Discord',
    ]);
  });

  it('requires a signing secret or app token with a Slack bot token', () => {
    expect(issuesOf({ ...base, SLACK_BOT_TOKEN: 'xoxb-1' })[0]).toMatch(/SLACK_SIGNING_SECRET .* or SLACK_APP_TOKEN/);
    const config = loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' });
    expect(config.slack).toMatchObject({ botToken: 'xoxb-1', appToken: 'xapp-1', apiUrl: 'https://slack.com/api/' });
  });

  it('falls back to Oxen hosting without a public address, and refuses self hosting without one', () => {
    expect(loadConfig({ OXEN_API_KEY: 'k' }).referenceHosting).toBe('oxen');
    expect(issuesOf({ OXEN_API_KEY: 'k', REFERENCE_HOSTING: 'self' })[0]).toMatch(/^PUBLIC_BASE_URL is required/);
  });
});
