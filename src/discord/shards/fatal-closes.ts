/**
 * Gateway close codes after which Discord will not take the session back, whatever is retried
 * (discord.js stops reconnecting on these too), each with what the operator should do.
 */
export const FATAL_CLOSE_REASONS: Readonly<Record<number, string>> = {
  4004: 'Discord refused DISCORD_TOKEN (authentication failed). Check the bot token in the Developer Portal.',
  4010: 'Discord refused the shard (invalid shard, close code 4010). Every replica must use the same DISCORD_SHARD_COUNT; unset it to use the count Discord recommends.',
  4011: 'Discord requires sharding (close code 4011): the bot is in too many servers for this shard count. Unset DISCORD_SHARD_COUNT (the bot then uses the count Discord recommends) or raise it, and restart every replica.',
  4012: 'Discord refused the gateway API version (close code 4012). Update discord.js.',
  4013: 'Discord refused the intents the bot asked for (invalid intents, close code 4013). This is a bug in the bot: report it.',
  4014: 'Discord refused the Message Content intent. Turn it on in the Developer Portal (Bot → Privileged Gateway Intents), or set DISCORD_MESSAGE_CONTENT=false.',
};

export const isFatalClose = (code: number): boolean => code in FATAL_CLOSE_REASONS;

/** A shard Discord will not take back: the code, and the sentence for the log and the start error. */
export class GatewayRefused extends Error {
  constructor(
    readonly code: number,
    /** Absent when Discord refused before any shard connected (the token, at GET /gateway/bot). */
    readonly shardId?: number,
  ) {
    super(FATAL_CLOSE_REASONS[code] ?? `Discord closed the gateway with code ${code}.`);
    this.name = 'GatewayRefused';
  }
}
