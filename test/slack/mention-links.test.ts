/**
 * A permalink in a mention gives files only from a channel the person can see: the conversation
 * they are in, or a channel they are a member of (asked of Slack with users.conversations). A link
 * into anyone else's channel is refused before the bot reads it: nothing downloaded, no file name
 * echoed, nothing spent. The real Bolt app against the fake Slack.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NOT_A_MEMBER_TEXT } from '../../src/slack/membership.js';
import { appMention, type FakeFile } from '../fakes/slack/index.js';
import { eventually, fixture, onlyJob, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const linkTo = (channel: string, ts: string) => `https://fake.slack.com/archives/${channel}/p${ts.replace('.', '')}`;

/** U1 mentions the bot in C1 with a link. */
async function mentionWithLink(w: World, link: string, prompt: string) {
  const text = `<@UBOT> <${link}> ${prompt}`;
  const message = w.slack.addMessage({ channel: 'C1', user: 'U1', text });
  const sent = await w.bot.sender.event(appMention({ channel: 'C1', user: 'U1', text, ts: message.ts }));
  expect(sent.status).toBe(200);
}

/** Everything the bot did with another channel's message or files. */
function touched(w: World, channel: string, file: FakeFile) {
  return {
    reads: w.slack.calls.filter((c) => (c.method === 'conversations.history' || c.method === 'conversations.replies') && c.args['channel'] === channel).length,
    infos: w.slack.callsTo('files.info').filter((c) => c.args['file'] === file.id).length,
    downloads: w.slack.downloads.filter((d) => d.fileId === file.id).length,
  };
}

describe('a permalink in a mention', () => {
  it('into a channel the person is not in is refused without reading it or naming its files', async () => {
    world = await startWorld({ timing: 'manual' });
    const { slack, oxen, bot } = world;
    slack.addChannel('C1', { members: ['U1', 'UBOT'] });
    slack.addChannel('CSECRET', { private: true, members: ['U2', 'UBOT'] });
    slack.addChannel('CPUBLIC', { members: ['U2', 'UBOT'] });
    const plans = slack.addFile('merger-plans-q3.png', fixture('cat.png'), 'image/png');
    const secret = slack.addMessage({ channel: 'CSECRET', user: 'U2', text: 'do not share', files: [plans] });
    const open = slack.addFile('roadmap.png', fixture('dog.jpg'), 'image/jpeg');
    const elsewhere = slack.addMessage({ channel: 'CPUBLIC', user: 'U2', text: 'roadmap', files: [open] });

    await mentionWithLink(world, linkTo('CSECRET', secret.ts), '@Image1 walks');
    await mentionWithLink(world, linkTo('CPUBLIC', elsewhere.ts), '@Image1 runs');
    await eventually(() => slack.callsTo('chat.postEphemeral').length === 2, 5_000, 'two refusals');

    for (const call of slack.callsTo('chat.postEphemeral')) {
      expect(call.args).toMatchObject({ channel: 'C1', user: 'U1' });
      expect(call.args['text']).toBe(NOT_A_MEMBER_TEXT);
    }
    const everything = JSON.stringify(slack.calls.filter((c) => c.method.startsWith('chat.')).map((c) => c.args));
    expect(everything).not.toContain('merger-plans');
    expect(everything).not.toContain('roadmap.png');
    expect(touched(world, 'CSECRET', plans)).toEqual({ reads: 0, infos: 0, downloads: 0 });
    expect(touched(world, 'CPUBLIC', open)).toEqual({ reads: 0, infos: 0, downloads: 0 });
    expect(slack.callsTo('users.conversations').every((c) => c.args['user'] === 'U1')).toBe(true);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(oxen.requestsTo('enqueue')).toHaveLength(0);
    expect(await bot.core.service.list({ platform: 'slack', userId: 'U1' })).toHaveLength(0);
  });

  it('into a channel the person is in (found on a later page of their channels) uses its files', async () => {
    world = await startWorld({ timing: 'manual' });
    const { slack, bot } = world;
    slack.switches.pageLimit = 2;
    slack.addChannel('C1', { members: ['U1', 'UBOT'] });
    for (const id of ['CA', 'CB', 'CC']) slack.addChannel(id, { members: ['U1'] });
    slack.addChannel('CTEAM', { private: true, members: ['U1', 'U2', 'UBOT'] });
    const bird = slack.addFile('bird.webp', fixture('bird.webp'), 'image/webp');
    const shared = slack.addMessage({ channel: 'CTEAM', user: 'U2', text: 'bird', files: [bird] });

    await mentionWithLink(world, linkTo('CTEAM', shared.ts), 'the bird sings');
    const job = await onlyJob(bot.core);
    expect(job.references.map((r) => r.name)).toEqual(['bird.webp']);
    expect(job.request.prompt).toBe('the bird sings. Use @Image1 as a reference image.');
    expect(slack.callsTo('users.conversations').length).toBeGreaterThanOrEqual(3);
    expect(slack.downloads.map((d) => d.fileId)).toEqual([bird.id]);
  });

  it('says which scope is missing when Slack will not say who is in the channel', async () => {
    world = await startWorld({ timing: 'manual' });
    const { slack, oxen } = world;
    slack.switches.missingScope.set('users.conversations', 'groups:read');
    slack.addChannel('CTEAM', { private: true, members: ['U1', 'UBOT'] });
    const bird = slack.addFile('bird.webp', fixture('bird.webp'), 'image/webp');
    const shared = slack.addMessage({ channel: 'CTEAM', user: 'U2', text: 'bird', files: [bird] });

    await mentionWithLink(world, linkTo('CTEAM', shared.ts), 'the bird sings');
    await eventually(() => slack.callsTo('chat.postEphemeral').length === 1, 5_000, 'the answer');
    const text = String(slack.callsTo('chat.postEphemeral')[0]!.args['text']);
    expect(text).toContain('groups:read');
    expect(text).not.toContain('bird.webp');
    expect(slack.downloads).toHaveLength(0);
    expect(oxen.requestsTo('enqueue')).toHaveLength(0);
  });
});
