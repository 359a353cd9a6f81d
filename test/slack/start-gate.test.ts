/**
 * A slash command that reaches /slack/events after the port opened but before the Slack adapter
 * is ready (here: auth.test answers slowly) is held and handled, not refused with 503: Slack does
 * not retry commands, so a restart would otherwise lose them. One held past ~2.5 s gets 503 in
 * time for Slack's 3 s. The real app (createApp) with the real Bolt adapter, fake Slack and Oxen.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.js';
import { SlackAdapter } from '../../src/slack/index.js';
import { startFakeOxen } from '../fakes/oxen/index.js';
import { SlackSender, startFakeSlack, type FakeSlack } from '../fakes/slack/index.js';
import { eventually } from '../helpers/harness.js';
import { startTestApp, type TestApp } from '../app/helpers.js';
import { SIGNING_SECRET } from './helpers.js';

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function startingApp(authDelayMs: number): Promise<{ t: TestApp; slack: FakeSlack; started: Promise<void>; sender: SlackSender }> {
  const oxen = await startFakeOxen({ timing: 'manual' });
  cleanups.push(() => oxen.close());
  const slack = await startFakeSlack();
  cleanups.push(() => slack.close());
  slack.switches.delay.set('auth.test', { ms: authDelayMs, count: 1 });
  const adapter = new SlackAdapter({ botToken: slack.botToken, signingSecret: SIGNING_SECRET, apiUrl: slack.url }, { log: silentLogger, retries: 0 });
  const t = await startTestApp({ fake: oxen, extraAdapters: [adapter], start: false });
  cleanups.push(() => t.stop());
  const started = t.app.start();
  await eventually(() => t.app.port !== undefined, 2_000, 'the port is open');
  const sender = new SlackSender(`${t.url}/slack/events`, SIGNING_SECRET, { teamId: 'T1', channel: 'C1', user: 'U1', responseUrl: () => slack.responseUrl() });
  return { t, slack, started, sender };
}

describe('requests during start-up', () => {
  it('holds a command that arrives before the Slack adapter is ready, and makes it a job', async () => {
    const { t, started, sender } = await startingApp(1_200);
    expect((await t.get('/healthz')).status).toBe(200); // health answers at once all the same
    const ack = await sender.command('a fox sent during a restart');
    expect(ack.status).toBe(200);
    await started;
    let jobs: Awaited<ReturnType<TestApp['app']['service']['list']>> = [];
    await eventually(async () => (jobs = await t.app.service.list({ platform: 'slack', userId: 'U1' })).length === 1, 5_000, 'the job');
    expect(jobs[0]!.job.request.prompt).toBe('a fox sent during a restart');
  });

  it('answers 503 within Slack\'s 3 s when the adapter is still not ready', async () => {
    const { started, sender } = await startingApp(3_200);
    const ack = await sender.command('a fox too early');
    expect(ack.status).toBe(503);
    expect(ack.ms).toBeGreaterThan(2_000);
    expect(ack.ms).toBeLessThan(3_000);
    await started;
  });
});
