/** Start-up refuses a reference hosting that cannot work, naming the settings and what to do. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/core/config.js';

function issuesOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
}

describe('reference hosting at start-up', () => {
  it('refuses self-hosting from an address only this machine reaches while Oxen is elsewhere', () => {
    for (const publicBaseUrl of ['http://127.0.0.1:3000', 'http://localhost:3000/bot', 'http://[::1]:3000']) {
      const issues = issuesOf({ OXEN_API_KEY: 'k', PUBLIC_BASE_URL: publicBaseUrl });
      expect(issues, publicBaseUrl).toHaveLength(1);
      expect(issues[0]).toMatch(/^PUBLIC_BASE_URL .* is reachable only from this machine, so Oxen cannot fetch reference files from it \(REFERENCE_HOSTING=self\).*REFERENCE_HOSTING=oxen$/);
    }
    expect(issuesOf({ OXEN_API_KEY: 'k', PUBLIC_BASE_URL: 'http://127.0.0.1:3000', REFERENCE_HOSTING: 'passthrough' })[0]).toMatch(/REFERENCE_HOSTING=passthrough/);
  });

  it('accepts it when Oxen is local too (a test hub), with hosting at Oxen, or with a public address', () => {
    expect(loadConfig({ OXEN_API_KEY: 'k', OXEN_BASE_URL: 'http://127.0.0.1:8080', PUBLIC_BASE_URL: 'http://127.0.0.1:3000' }).referenceHosting).toBe('self');
    expect(loadConfig({ OXEN_API_KEY: 'k', PUBLIC_BASE_URL: 'http://127.0.0.1:3000', REFERENCE_HOSTING: 'oxen' }).referenceHosting).toBe('oxen');
    expect(loadConfig({ OXEN_API_KEY: 'k', PUBLIC_BASE_URL: 'https://bot.example.com' }).referenceHosting).toBe('self');
  });

  it('still refuses self-hosting without PUBLIC_BASE_URL', () => {
    expect(issuesOf({ OXEN_API_KEY: 'k', REFERENCE_HOSTING: 'self' })).toEqual([
      expect.stringMatching(/^PUBLIC_BASE_URL is required when REFERENCE_HOSTING=self/),
    ]);
  });
});
