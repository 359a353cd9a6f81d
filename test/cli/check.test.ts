/**
 * `seedance check` as a process against the fakes of Oxen, Discord and Slack: every check passes
 * with a good set-up (exit 0); with a bad key, bad tokens and a half-configured Discord, each is a
 * ✗ line saying what to do (exit 1); no secret is ever printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord/index.js';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack/index.js';
import { runCli } from './run-cli.js';

const OXEN_KEY = 'check-oxen-key-Pz4mW9qLr2xT';
const DISCORD_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAx.ChkTok.check-discord-token-Bv7nMx2sQk9w';
const SLACK_TOKEN = 'xoxb-check-slack-token-Jd3fHu8yRt5e';
const SIGNING_SECRET = 'check-signing-secret-Wq6zNp1cXv4b';

let oxen: FakeOxen;
let discord: FakeDiscord;
let slack: FakeSlack;

beforeAll(async () => {
  [oxen, discord, slack] = await Promise.all([startFakeOxen({ apiKey: OXEN_KEY }), startFakeDiscord({ token: DISCORD_TOKEN }), startFakeSlack({ botToken: SLACK_TOKEN })]);
});
afterAll(async () => {
  await Promise.all([oxen?.close(), discord?.close(), slack?.close()]);
});

describe('seedance check', () => {
  it('passes every check with a good set-up, and fails each bad one with what to do', async () => {
    const good = {
      OXEN_API_KEY: OXEN_KEY,
      OXEN_BASE_URL: oxen.url,
      DISCORD_TOKEN,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_API_URL: discord.url,
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
    };
    const wrong = { OXEN_API_KEY: 'wrong-oxen-key-Hs5kVb8q', DISCORD_TOKEN: 'MTAwMDAwMDAwMDAwMDAwMDAy.Wrong1.wrong-discord-token-Lm2nBv6cXz8q', SLACK_BOT_TOKEN: 'xoxb-wrong-slack-token-Ty4uIo9p' };
    const [ok, bad] = await Promise.all([
      runCli(['check'], { env: good }),
      runCli(['check'], { env: { ...good, ...wrong, DISCORD_APPLICATION_ID: undefined } }),
    ]);

    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const lines = ok.stdout.trim().split('\n');
    expect(lines.every((l) => l.startsWith('✓ ')), ok.stdout).toBe(true);
    expect(lines.map((l) => l.split(':')[0])).toEqual(['✓ Configuration', '✓ Oxen key', '✓ Model schemas', '✓ Discord token', '✓ Slack token']);
    expect(ok.stdout).toContain('namespace fake-user');
    // One authenticated read each.
    expect(discord.callsTo('getMe').map((c) => c.authorization)).toContain(`Bot ${DISCORD_TOKEN}`);
    expect(slack.callsTo('auth.test').map((c) => c.authorization)).toContain(`Bearer ${SLACK_TOKEN}`);
    expect(oxen.requestsTo('whoAmI').length).toBeGreaterThan(0);

    expect(bad.code, bad.stdout + bad.stderr).toBe(1);
    expect(bad.stdout).toMatch(/^✗ Configuration: DISCORD_TOKEN and DISCORD_APPLICATION_ID must be set together.*Fix it in \.\/\.env/m);
    expect(bad.stdout).toMatch(/^✗ Oxen key: .* refused OXEN_API_KEY\. Create a key at https:\/\/oxen\.ai\/settings\/profile/m);
    expect(bad.stdout).toMatch(/^✗ Discord token: refused \(401\)\. Reset the token/m);
    expect(bad.stdout).toMatch(/^✗ Slack token: refused \(invalid_auth\)/m);

    for (const secret of [OXEN_KEY, DISCORD_TOKEN, SLACK_TOKEN, SIGNING_SECRET, ...Object.values(wrong)]) {
      expect(ok.stdout + ok.stderr + bad.stdout + bad.stderr).not.toContain(secret);
    }
  }, 60_000);
});
