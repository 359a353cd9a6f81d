/**
 * A deferred reply is always answered: a crafted MP4 is one named problem among the others, and
 * a failure nobody planned for (here a command missing a required option) still gets a sentence,
 * with the details in the log and not in the answer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FAILED_TEXT } from '../../src/discord/interactions.js';
import { slashCommand } from '../fakes/discord/index.js';
import { emptyMovieHeaderAtEnd } from '../helpers/crafted-mp4.js';
import { ANN, answerTo, media, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const STRING = 3;
const ATTACHMENT = 11;

describe('the answer to /video', () => {
  it('names a crafted MP4 as unreadable, next to the other files’ problems', async () => {
    world = await startWorld();
    const { discord, oxen } = world;
    const trap = discord.attachment('trap.mp4', emptyMovieHeaderAtEnd(), { contentType: 'video/mp4', ephemeral: true });
    const notes = discord.attachment('notes.png', new TextEncoder().encode('not an image at all'), { contentType: 'image/png', ephemeral: true });
    const cat = discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png', ephemeral: true });
    const payload = slashCommand(
      discord.context(ANN),
      'video',
      [
        { name: 'prompt', type: STRING, value: '@Image1 plays' },
        { name: 'image1', type: ATTACHMENT, value: cat.id },
        { name: 'image2', type: ATTACHMENT, value: notes.id },
        { name: 'video1', type: ATTACHMENT, value: trap.id },
      ],
      [cat, notes, trap],
    );
    await discord.dispatchInteraction(payload);
    const answer = await answerTo(discord, payload);
    expect(answer).toContain('nothing was spent');
    expect(answer).toMatch(/trap\.mp4.*cannot be read/);
    expect(answer).toContain('notes.png');
    expect(answer).not.toContain('cat.png');
    expect(oxen.requestsTo('enqueue')).toHaveLength(0);
    expect(world.log.lines.some((l) => l.event === 'discord.interaction_failed')).toBe(false);
  });

  it('is a plain sentence when something unexpected fails after the defer, and the log has the error', async () => {
    world = await startWorld();
    const { discord, oxen } = world;
    // A /video without its required prompt (say, from an out-of-date registration): discord.js
    // throws on reading it, after the reply was deferred.
    const payload = slashCommand(discord.context(ANN), 'video', [{ name: 'resolution', type: STRING, value: '480p' }]);
    await discord.dispatchInteraction(payload);
    const answer = await answerTo(discord, payload);
    expect(discord.callbacks.get(payload.id)).toMatchObject({ type: 5, flags: 64 });
    expect(answer).toBe(FAILED_TEXT);
    const logged = world.log.lines.find((l) => l.event === 'discord.interaction_failed');
    expect(logged?.level).toBe('error');
    expect(String((logged?.fields as { error?: unknown }).error)).toContain('prompt');
    expect(oxen.requestsTo('enqueue')).toHaveLength(0);
  });
});
