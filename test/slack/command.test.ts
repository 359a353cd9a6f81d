/**
 * `/video` through the real Bolt app on loopback: text-only end to end (status message, live
 * edits, the exact result uploaded into the thread with the external flow), help, jobs, cancel,
 * flag problems, and escaping of everything echoed.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, onlyJob, startWorld, stateOf, type World } from './helpers.js';
import { sharedHelpLines } from '../helpers/help.js';

const VIDEO = readFileSync(new URL('../fixtures/media/clip3s.mp4', import.meta.url));

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('/video <prompt>', () => {
  it('acks at once, posts a status message, edits it, and uploads the exact video into its thread', async () => {
    world = await startWorld();
    const { slack, oxen, bot } = world;
    const ack = await bot.sender.command('a red fox running through snow --fast --res 720p --duration 5');
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');

    const job = await onlyJob(bot.core);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 8_000, 'done');

    const [status] = slack.callsTo('chat.postMessage');
    expect(status!.args).toMatchObject({ channel: 'C1', parse: 'none', link_names: 'false' });
    expect(status!.args['thread_ts']).toBeUndefined();
    const statusTs = slack.messages.find((m) => m.text?.includes(job.id))!.ts;

    // The bytes Oxen produced, uploaded once, into the status message's thread.
    const uploads = [...slack.uploads.values()];
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.bytes!.equals(VIDEO)).toBe(true);
    expect(uploads[0]!.length).toBe(VIDEO.length);
    expect(uploads[0]!.headers!['authorization']).toBeUndefined();
    expect(uploads[0]!.completed).toMatchObject({ channel_id: 'C1', thread_ts: statusTs });
    expect(uploads[0]!.filename).toBe(`seedance-${job.id}.mp4`);
    const comment = uploads[0]!.completed!.initial_comment!;
    expect(comment).toContain(`\`${job.id}\``);
    expect(comment).toContain('Seedance 2.0 Fast - Text to Video');
    expect(comment).toContain('720p');
    expect(comment).toContain('5 s');
    expect(oxen.requestsTo('enqueue')).toHaveLength(1);

    // The status message went through phases to "Done", with Retry, Edit prompt and Parameters at the end.
    await eventually(() => /Done/.test(slack.message('C1', statusTs)!.text ?? ''), 3_000, 'the final edit');
    const final = slack.message('C1', statusTs)!;
    expect(final.history.length).toBeGreaterThan(1);
    const actions = (final.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find((b) => b.type === 'actions')!;
    expect(actions.elements).toEqual(['job_retry', 'job_edit', 'job_params'].map((id) => expect.objectContaining({ action_id: id, value: job.id })));
    // Every Web API call carried the bot token; no call went anywhere but the fake.
    expect(slack.calls.every((c) => c.authorization === `Bearer ${slack.botToken}`)).toBe(true);
  });

  it('answers flag problems in the ack itself, all at once, and spends nothing', async () => {
    world = await startWorld();
    const ack = await world.bot.sender.command('a fox --res 9000p --durr 5');
    expect(ack.status).toBe(200);
    const body = JSON.parse(ack.body) as { response_type: string; text: string };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('2 reasons');
    expect(body.text).toContain('9000p');
    expect(body.text).toContain('did you mean `--dur`');
    expect(world.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(world.oxen.requestsTo('enqueue')).toHaveLength(0);
  });

  it('escapes what it echoes, so a prompt cannot ping the channel', async () => {
    world = await startWorld({ timing: 'manual' });
    await world.bot.sender.command('<!channel> &lt;!here&gt; a fox & a hound <@U999>');
    const job = await onlyJob(world.bot.core);
    await eventually(() => world!.slack.callsTo('chat.postMessage').length > 0);
    const posted = JSON.stringify(world.slack.callsTo('chat.postMessage')[0]!.args);
    expect(posted).not.toContain('<!channel>');
    expect(posted).not.toContain('<!here>');
    expect(posted).not.toContain('<@U999>');
    expect(posted).toContain('&lt;!here&gt;');
    expect(posted).toContain('a fox &amp; a hound');
    expect(job.request.prompt).toBe('channel <!here> a fox & a hound U999');
  });
});

describe('/video help, jobs, cancel', () => {
  it('help says how to attach files: mention the bot, since commands carry none', async () => {
    world = await startWorld();
    const ack = await world.bot.sender.command('help');
    const body = JSON.parse(ack.body) as { text: string; response_type: string };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toMatch(/mention me/i);
    expect(body.text).toMatch(/cannot be used in threads/);
    expect(body.text).toContain('--res');
    expect(body.text).toContain('&lt;prompt&gt;');
  });

  it('help carries every shared line, as Discord\'s /help does (one source: src/core/help)', async () => {
    world = await startWorld();
    const body = JSON.parse((await world.bot.sender.command('help')).body) as { text: string };
    for (const line of sharedHelpLines()) expect(body.text).toContain(line);
  });

  it('jobs lists the person\'s jobs and cancel stops one, answering privately', async () => {
    world = await startWorld({ timing: 'manual' });
    const { bot, slack, oxen } = world;
    await bot.sender.command('a slow one');
    const job = await onlyJob(bot.core);
    await eventually(() => oxen.requestsTo('enqueue').length === 1, 5_000, 'enqueued');

    expect((await bot.sender.command('jobs')).body).toBe('');
    await eventually(() => slack.responses.some((r) => String(r.body['text']).includes(job.id)), 3_000, 'the list');

    const other = await bot.sender.command(`cancel ${job.id}`, { user_id: 'U2' });
    expect(other.status).toBe(200);
    await eventually(() => slack.responses.some((r) => String(r.body['text']).includes('Only the person who started')), 3_000, 'refusal');
    expect(await stateOf(bot.core, job.id)).not.toBe('cancelled');

    await bot.sender.command(`cancel ${job.id}`);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'cancelled', 5_000, 'cancelled');
    expect(slack.responses.every((r) => r.body['response_type'] === 'ephemeral')).toBe(true);
  });
});
