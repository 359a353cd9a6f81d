import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/core/config.js';

const base = { OXEN_API_KEY: 'sk-test-secret', PUBLIC_BASE_URL: 'https://bot.example.com' };

function issuesOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
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
    expect(config.store).toEqual({ dataDir: './data' });
    expect(config.referenceHosting).toBe('self');
    expect(config.discord).toBeUndefined();
    expect(config.slack).toBeUndefined();
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
