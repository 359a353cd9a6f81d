/**
 * URLs that keys and tokens are sent to must be https, except to this machine (the tests' fakes,
 * a local proxy); PUBLIC_BASE_URL is only an address, since links are built by appending to it.
 * Each refusal names the variable and says what to write instead.
 */
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
  return [];
}

describe('URL settings', () => {
  it('refuse plain http to another host, naming the variable and the https form', () => {
    const issues = issuesOf({
      ...base,
      OXEN_BASE_URL: 'http://hub.oxen.ai',
      SLACK_API_URL: 'http://slack.com/api/',
      DISCORD_API_URL: 'http://discord.com/api',
      PUBLIC_BASE_URL: 'http://bot.example.com',
    });
    expect(issues).toHaveLength(4);
    for (const [name, example] of [
      ['OXEN_BASE_URL', 'https://hub.oxen.ai'],
      ['DISCORD_API_URL', 'https://discord.com/api'],
      ['SLACK_API_URL', 'https://slack.com/api/'],
      ['PUBLIC_BASE_URL', 'https://bot.example.com'],
    ]) {
      expect(issues).toContain(`${name} must use https, like ${example} (plain http would send keys and tokens in clear; it is allowed only for 127.0.0.1, ::1 or localhost)`);
    }
  });

  it('accept plain http to loopback hosts (the fakes), and https anywhere', () => {
    for (const host of ['127.0.0.1:8080', '127.3.4.5', '[::1]:9000', 'localhost:3000', 'LOCALHOST']) {
      const config = loadConfig({ ...base, OXEN_BASE_URL: `http://${host}`, PUBLIC_BASE_URL: `http://${host}/bot`, SLACK_API_URL: `http://${host}/api/`, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' });
      expect(config.oxen.baseUrl).toBe(`http://${host}`);
      expect(config.slack?.apiUrl).toBe(`http://${host}/api/`);
    }
    expect(loadConfig({ ...base, OXEN_BASE_URL: 'https://oxen.internal:8443' }).oxen.baseUrl).toBe('https://oxen.internal:8443');
  });

  it('do not take a host that only starts like a loopback one', () => {
    for (const host of ['127.0.0.1.evil.example', 'localhost.evil.example', '128.0.0.1']) {
      expect(issuesOf({ ...base, OXEN_BASE_URL: `http://${host}` })[0]).toMatch(/^OXEN_BASE_URL must use https/);
    }
  });

  it('refuse a PUBLIC_BASE_URL with a query, a fragment or credentials, saying to give only the address', () => {
    expect(issuesOf({ ...base, PUBLIC_BASE_URL: 'https://bot.example.com/?x=1' })).toEqual([
      'PUBLIC_BASE_URL must not have a query (?…) or fragment (#…): give only the address, like https://bot.example.com',
    ]);
    expect(issuesOf({ ...base, PUBLIC_BASE_URL: 'https://bot.example.com/#top' })).toEqual([
      'PUBLIC_BASE_URL must not have a query (?…) or fragment (#…): give only the address, like https://bot.example.com',
    ]);
    expect(issuesOf({ ...base, PUBLIC_BASE_URL: 'https://bot.example.com/?' })).toHaveLength(1);
    expect(issuesOf({ ...base, PUBLIC_BASE_URL: 'https://user:pass@bot.example.com' })).toEqual([
      'PUBLIC_BASE_URL must not contain a user name or password: give only the address, like https://bot.example.com',
    ]);
    expect(loadConfig({ ...base, PUBLIC_BASE_URL: 'https://example.com/seedance' }).http.publicBaseUrl).toBe('https://example.com/seedance');
  });

  it('still says what a URL should look like when it is not one', () => {
    expect(issuesOf({ ...base, OXEN_BASE_URL: 'hub.oxen.ai' })).toEqual(['OXEN_BASE_URL must be an https URL, like https://hub.oxen.ai']);
  });
});
