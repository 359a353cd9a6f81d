/**
 * "Slack", in its own process for bench/slack-ack.ts: the fake Slack Web API the bot calls, and
 * the load generator that sends signed `/video` commands to the bot at a fixed rate (open loop:
 * request i leaves at start + i / rate, whatever happened to the earlier ones) and measures the
 * time to each acknowledgement. Driven over IPC.
 */
import { startFakeSlack } from '../test/fakes/slack/index.js';
import { SlackSender } from '../test/fakes/slack/sign.js';

export type SlackSideRequest = { type: 'load'; url: string; secret: string; rate: number; seconds: number; channels: number } | { type: 'close' };
export type SlackSideAnswer =
  | { type: 'ready'; url: string; botToken: string }
  | { type: 'loaded'; latencies: number[]; statuses: Record<string, number>; errors: string[]; calls: Record<string, number>; sendLagMs: number };

const send = (message: SlackSideAnswer) => process.send?.(message);
const slack = await startFakeSlack();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function load(request: Extract<SlackSideRequest, { type: 'load' }>): Promise<void> {
  const sender = new SlackSender(request.url, request.secret, { teamId: 'T1', channel: 'C0', user: 'U0', responseUrl: () => slack.responseUrl() });
  const total = request.rate * request.seconds;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const errors: string[] = [];
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  let sendLag = 0;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / request.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      sender
        .command(`bench ${i}: a lighthouse in a storm --fast`, { user_id: `UB${i}`, channel_id: `C${i % request.channels}` })
        .then((answer) => {
          latencies.push(answer.ms);
          // How late the generator sent it (should stay near 0: the load is open loop).
          sendLag = Math.max(sendLag, performance.now() - answer.ms - due);
          statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        })
        .catch((error: unknown) => {
          errors.push(error instanceof Error ? error.message : String(error));
        }),
    );
  }
  await Promise.all(inFlight);
  const calls: Record<string, number> = {};
  for (const call of slack.calls) calls[call.method] = (calls[call.method] ?? 0) + 1;
  send({ type: 'loaded', latencies, statuses, errors: errors.slice(0, 5), calls, sendLagMs: sendLag });
}

process.on('message', (message: SlackSideRequest) => {
  if (message.type === 'load') void load(message);
  else void slack.close().then(() => process.exit(0));
});

send({ type: 'ready', url: slack.url, botToken: slack.botToken });
