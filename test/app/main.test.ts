/**
 * `npm start` (node on the compiled dist/main.js, test/helpers/npm-start.ts) as a real process with a bad environment: it exits 1 at once,
 * naming each bad variable and what it should look like, with no stack trace and no secret.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { npmStartArgs } from '../helpers/npm-start.js';

// An empty working directory: a developer's own .env in the project must not change the outcome.
const CWD = mkdtempSync(join(tmpdir(), 'seedance-main-'));

function runMain(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const began = Date.now();
  return new Promise((resolve, reject) => {
    // Only what is given: nothing from the developer's own environment leaks in.
    const child = spawn(process.execPath, npmStartArgs(), { cwd: CWD, env: { PATH: process.env['PATH'] ?? '', NO_PROXY: '*', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the bot still running after 10 s:\n${stdout}\n${stderr}`));
    }, 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - began });
    });
  });
}

describe('npm start with a bad configuration', () => {
  it('exits 1 at once naming every bad variable, without a stack trace or a secret', async () => {
    const result = await runMain({
      OXEN_API_KEY: 'sk-very-secret-key-123',
      PORT: 'eighty',
      MAX_JOBS_PER_USER: 'lots',
      SLACK_BOT_TOKEN: 'xoxp-a-user-token-secret',
      SLACK_SIGNING_SECRET: 'abc123abc123',
    });
    console.log(`npm start with a bad configuration exited in ${result.ms} ms`);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^seedance-bot cannot start: the configuration is not valid\./);
    expect(result.stderr).toContain('  - PORT must be a port number');
    expect(result.stderr).toContain('  - MAX_JOBS_PER_USER must be a whole number from 1 to 100, like 2');
    expect(result.stderr).toContain('  - SLACK_BOT_TOKEN must be a bot token starting with xoxb-');
    expect(result.stderr).toContain('See .env.example');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.stderr).not.toContain('sk-very-secret-key-123');
    expect(result.stderr).not.toContain('xoxp-a-user-token-secret');
    expect(result.ms).toBeLessThan(8_000);
  });

  it('with no platform configured, says how to enable Discord or Slack', async () => {
    const result = await runMain({ OXEN_API_KEY: 'sk-key' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No chat platform is configured. Enable Discord with DISCORD_TOKEN and DISCORD_APPLICATION_ID');
    expect(result.stderr).toContain('SLACK_APP_TOKEN (Socket Mode)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('with nothing set, names the API key and the missing platform together', async () => {
    const result = await runMain({});
    expect(result.code).toBe(1);
    const issues = result.stderr.split('\n').filter((l) => l.startsWith('  - '));
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(/^ {2}- OXEN_API_KEY is required/);
    expect(issues[1]).toMatch(/^ {2}- No chat platform is configured/);
  });
});
