/**
 * The fake Discord in its own process for bench/shards.ts, so the bot's memory is measured alone.
 * Started with BENCH_GUILDS servers and BENCH_SHARDS recommended shards; on `flood` it sends
 * `perGuild` MESSAGE_CREATE events (not mentioning the bot) in every server, each to its shard.
 */
import { apiMessage, apiUser, startFakeDiscord } from '../test/fakes/discord/index.js';

export type FakeDiscordRequest = { type: 'flood'; perGuild: number } | { type: 'close' };
export type FakeDiscordReply = { type: 'ready'; url: string; token: string; applicationId: string } | { type: 'flooded'; events: number };

const discord = await startFakeDiscord({
  guilds: Number(process.env['BENCH_GUILDS'] ?? 400),
  shards: Number(process.env['BENCH_SHARDS'] ?? 4),
  maxConcurrency: 16,
  record: false,
});
const author = apiUser({ id: '400000000000000001', username: 'ann' });
const send = (reply: FakeDiscordReply) => process.send!(reply);

process.on('message', async (request: FakeDiscordRequest) => {
  if (request.type === 'close') {
    await discord.close();
    process.exit(0);
  }
  let events = 0;
  for (let i = 0; i < request.perGuild; i++) {
    // One event per server at a time, every server in parallel, as a busy bot's gateway sees them.
    await Promise.all(
      discord.guilds.map((g) => discord.gateway.dispatch('MESSAGE_CREATE', { ...apiMessage({ channel_id: g.channelId, guild_id: g.id, author, content: `message ${i}` }), member: { roles: [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 } })),
    );
    events += discord.guilds.length;
  }
  send({ type: 'flooded', events });
});
send({ type: 'ready', url: discord.url, token: discord.token, applicationId: discord.applicationId });
