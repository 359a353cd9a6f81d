/**
 * When the store cannot take a claim, Slack's request is acknowledged and nothing is started; a
 * command says so. The real Bolt app in HTTP mode; the store's claims fail (test/helpers/claim-outage.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { SOMETHING_WENT_WRONG } from '../../src/slack/flow.js';
import { appMention } from '../fakes/slack/payloads.js';
import { sqliteWithoutClaims } from '../helpers/claim-outage.js';
import { startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('claims that fail', () => {
  it('a command is answered with a sentence, an event is acknowledged, and nothing starts', async () => {
    world = await startWorld({ store: sqliteWithoutClaims() });
    const { slack, oxen, bot } = world;
    const ack = await bot.sender.command('a fox --duration 5');
    expect(ack.status).toBe(200);
    expect(JSON.parse(ack.body)).toEqual({ response_type: 'ephemeral', text: SOMETHING_WENT_WRONG });

    const message = slack.addMessage({ channel: 'C1', user: 'U1', text: '<@UBOT> a fox' });
    const event = await bot.sender.event(appMention({ channel: 'C1', user: 'U1', text: '<@UBOT> a fox', ts: message.ts }));
    expect(event.status).toBe(200);
    await sleep(300);
    expect(oxen.requestsTo('enqueue')).toHaveLength(0);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
  });
});
