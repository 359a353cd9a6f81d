/**
 * A crafted MP4 in a mention is one named problem among the others, told privately; not a
 * "something went wrong" for the whole request. The real Bolt app against the fake Slack.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appMention } from '../fakes/slack/index.js';
import { emptyMovieHeaderAtEnd } from '../helpers/crafted-mp4.js';
import { eventually, fixture, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('a mention with a crafted MP4', () => {
  it('names that file as unreadable, with the other problems, and spends nothing', async () => {
    world = await startWorld({ timing: 'manual' });
    const { slack, oxen } = world;
    const trap = slack.addFile('trap.mp4', emptyMovieHeaderAtEnd(), 'video/mp4');
    const notes = slack.addFile('notes.png', fixture('notes.png'), 'image/png');
    const cat = slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const text = '<@UBOT> @cat.png plays';
    const message = slack.addMessage({ channel: 'C1', user: 'U1', text, files: [cat, trap, notes] });
    await world.bot.sender.event(appMention({ channel: 'C1', user: 'U1', text, ts: message.ts, files: [cat, trap, notes] }));

    await eventually(() => slack.callsTo('chat.postEphemeral').length === 1, 5_000, 'the private answer');
    const answer = String(slack.callsTo('chat.postEphemeral')[0]!.args['text']);
    expect(answer).toMatch(/trap\.mp4.*cannot be read/);
    expect(answer).toContain('notes.png');
    expect(answer).toContain('nothing was spent');
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(oxen.requestsTo('enqueue')).toHaveLength(0);
  });
});
