/**
 * Mentions with files: the message's files are references (fetched with the bot token, hosted by
 * the core, never handed to Oxen as Slack URLs); in a thread, the replied-to message's files come
 * first (the parent, `^` for the message above, or a permalink). Problems come back privately.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appMention } from '../fakes/slack/index.js';
import { eventually, fixture, onlyJob, startWorld, stateOf, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Posts a person's message into the fake and sends its app_mention event. */
async function mention(w: World, input: { text: string; thread_ts?: string; files?: ReturnType<World['slack']['addFile']>[]; user?: string }) {
  const user = input.user ?? 'U1';
  const message = w.slack.addMessage({ channel: 'C1', user, text: input.text, ...(input.thread_ts ? { thread_ts: input.thread_ts } : {}), ...(input.files ? { files: input.files } : {}) });
  const sent = await w.bot.sender.event(appMention({ channel: 'C1', user, text: input.text, ts: message.ts, ...(input.thread_ts ? { thread_ts: input.thread_ts } : {}), ...(input.files ? { files: input.files } : {}) }));
  expect(sent.status).toBe(200);
  return message;
}

function enqueued(w: World): Record<string, unknown> {
  return JSON.parse(w.oxen.requestsTo('enqueue')[0]!.body) as Record<string, unknown>;
}

describe('a mention with files', () => {
  it('makes a reference-to-video with the right labels, fetching the files with the bot token', async () => {
    world = await startWorld();
    const { slack, oxen, bot } = world;
    const cat = slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const dog = slack.addFile('dog.jpg', fixture('dog.jpg'), 'image/jpeg');
    await mention(world, { text: '<@UBOT> @cat.png chases @dog.jpg --fast', files: [cat, dog] });

    const job = await onlyJob(bot.core);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 8_000, 'done');
    expect(job.references.map((r) => [r.label, r.name])).toEqual([
      ['@Image1', 'cat.png'],
      ['@Image2', 'dog.jpg'],
    ]);
    expect(job.modelId).toBe('bytedance-seedance-2-0-fast-reference-to-video');
    const body = enqueued(world);
    expect(body['prompt']).toBe('@Image1 chases @Image2');
    expect(body['input_images']).toEqual([expect.stringMatching(/^https:\/\/bot\.example\.com\/references\/.+\/cat\.png$/), expect.stringMatching(/dog\.jpg$/)]);

    // Both files were downloaded once, with the bot token; neither the token nor a Slack URL reached Oxen.
    expect(slack.downloads.map((d) => d.fileId).sort()).toEqual([cat.id, dog.id].sort());
    expect(slack.downloads.every((d) => d.authorization === `Bearer ${slack.botToken}`)).toBe(true);
    const toOxen = JSON.stringify(oxen.requests.map((r) => [r.path, r.headers, r.body]));
    expect(toOxen).not.toContain(slack.botToken);
    expect(toOxen).not.toContain(slack.origin);
    expect(toOxen).not.toContain('files-pri');

    const upload = [...slack.uploads.values()][0]!;
    expect(upload.completed!.initial_comment).toContain('@Image1 = cat.png, @Image2 = dog.jpg');
    expect(JSON.parse(job.origin!)).toEqual({ f: [cat.id, dog.id] });
  });

  it('tells the person every problem privately and spends nothing', async () => {
    world = await startWorld();
    const { slack, oxen } = world;
    const notes = slack.addFile('notes.png', fixture('notes.png'), 'image/png');
    await mention(world, { text: '<@UBOT> a fox @ghost.png', files: [notes] });
    await eventually(() => slack.callsTo('chat.postEphemeral').length === 1, 5_000, 'the private answer');
    const answer = slack.callsTo('chat.postEphemeral')[0]!.args;
    expect(answer).toMatchObject({ channel: 'C1', user: 'U1' });
    expect(String(answer['text'])).toContain('notes.png');
    expect(String(answer['text'])).toContain('nothing was spent');
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(oxen.requestsTo('enqueue')).toHaveLength(0);
  });

  it('handles a retried event once', async () => {
    world = await startWorld({ timing: 'manual' });
    const { slack, bot } = world;
    const message = slack.addMessage({ channel: 'C1', user: 'U1', text: '<@UBOT> a fox' });
    const event = appMention({ channel: 'C1', user: 'U1', text: '<@UBOT> a fox', ts: message.ts });
    await bot.sender.event(event, { eventId: 'Ev1' });
    await bot.sender.event(event, { eventId: 'Ev1', headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    await onlyJob(bot.core);
    await new Promise((r) => setTimeout(r, 200));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('answers url_verification with the challenge', async () => {
    world = await startWorld();
    const answer = await world.bot.sender.urlVerification('ch4llenge');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ challenge: 'ch4llenge' });
  });
});

describe('the thread reply flow', () => {
  it("uses the thread parent's files first, then the mention's, and reports in that thread", async () => {
    world = await startWorld();
    const { slack, bot } = world;
    const cat = slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const dog = slack.addFile('dog.jpg', fixture('dog.jpg'), 'image/jpeg');
    const parent = slack.addMessage({ channel: 'C1', user: 'U9', text: 'look at my cat', files: [cat] });
    await mention(world, { text: '<@UBOT> make @Image1 meet @Image2', thread_ts: parent.ts, files: [dog] });

    const job = await onlyJob(bot.core);
    expect(job.references.map((r) => r.name)).toEqual(['cat.png', 'dog.jpg']);
    expect(job.destination.threadId).toBe(parent.ts);
    expect(slack.callsTo('chat.postMessage')[0]!.args['thread_ts']).toBe(parent.ts);
    expect(slack.callsTo('conversations.replies')[0]!.args).toMatchObject({ channel: 'C1', ts: parent.ts });
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 8_000, 'done');
    expect([...slack.uploads.values()][0]!.completed).toMatchObject({ channel_id: 'C1', thread_ts: parent.ts });
  });

  it('uses the message just above with `^`', async () => {
    world = await startWorld({ timing: 'manual' });
    const { slack, bot } = world;
    const cat = slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const dog = slack.addFile('dog.jpg', fixture('dog.jpg'), 'image/jpeg');
    const parent = slack.addMessage({ channel: 'C1', user: 'U9', text: 'cat', files: [cat] });
    slack.addMessage({ channel: 'C1', user: 'U8', text: 'dog', thread_ts: parent.ts, files: [dog] });
    await mention(world, { text: '<@UBOT> ^ the dog runs', thread_ts: parent.ts });
    const job = await onlyJob(bot.core);
    expect(job.references.map((r) => r.name)).toEqual(['dog.jpg']);
    // The file the prompt does not name is named for the model (references/every-file.ts).
    expect(job.request.prompt).toBe('the dog runs. Use @Image1 as a reference image.');
  });

  it('uses a message pointed at by its permalink', async () => {
    world = await startWorld({ timing: 'manual' });
    const { slack, bot } = world;
    const bird = slack.addFile('bird.webp', fixture('bird.webp'), 'image/webp');
    const elsewhere = slack.addMessage({ channel: 'C1', user: 'U9', text: 'bird', files: [bird] });
    slack.addMessage({ channel: 'C1', user: 'U9', text: 'something after' });
    const link = `https://fake.slack.com/archives/C1/p${elsewhere.ts.replace('.', '')}`;
    await mention(world, { text: `<@UBOT> <${link}> the bird sings` });
    const job = await onlyJob(bot.core);
    expect(job.references.map((r) => r.name)).toEqual(['bird.webp']);
    expect(job.request.prompt).toBe('the bird sings. Use @Image1 as a reference image.');
  });
});
