/**
 * Builders for the JSON Discord sends (API v10): users, members, attachments, messages and the
 * interaction payloads (slash command, message context menu, button, modal submit).
 */

let sequence = 0n;
const DISCORD_EPOCH = 1_420_070_400_000n;

/** A fresh snowflake: a real timestamp part, so discord.js can read createdAt from it. */
export function snowflake(): string {
  sequence = (sequence + 1n) & 0xfffn;
  return String(((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | sequence);
}

export interface FakeUser {
  id: string;
  username: string;
  bot?: boolean;
}

export function apiUser(user: FakeUser) {
  return {
    id: user.id,
    username: user.username,
    global_name: user.bot ? null : user.username,
    discriminator: user.bot ? '0001' : '0',
    avatar: null,
    bot: user.bot ?? false,
    public_flags: 0,
    flags: 0,
  };
}

/** A member's roles and permissions in the guild; default: no roles, every permission. */
export interface FakeMember {
  roles?: string[];
  /** The member's permission bits in the channel, as Discord computes them for an interaction. */
  permissions?: string;
}

/** Every permission bit Discord had when this fake was written (what an administrator has). */
export const ALL_PERMISSIONS = '2251799813685247';
/** A plain member: view channels, send messages, use application commands — no Manage Server. */
export const MEMBER_PERMISSIONS = String((1n << 10n) | (1n << 11n) | (1n << 31n));

export function apiMember(user: FakeUser, member: FakeMember = {}) {
  return {
    user: apiUser(user),
    roles: member.roles ?? [],
    joined_at: new Date(0).toISOString(),
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    nick: null,
    avatar: null,
    permissions: member.permissions ?? ALL_PERMISSIONS,
  };
}

export interface ApiAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
  ephemeral?: boolean;
  width?: number | null;
  height?: number | null;
}

export interface ApiMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: ReturnType<typeof apiUser>;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  tts: boolean;
  mention_everyone: boolean;
  mentions: ReturnType<typeof apiUser>[];
  mention_roles: string[];
  attachments: ApiAttachment[];
  embeds: unknown[];
  components: unknown[];
  pinned: boolean;
  type: number;
  flags: number;
  message_reference?: { type?: number; message_id: string; channel_id: string; guild_id?: string };
  referenced_message?: ApiMessage | null;
  nonce?: string | number;
  allowed_mentions?: unknown;
  [key: string]: unknown;
}

export function apiMessage(fields: Partial<ApiMessage> & { channel_id: string; author: ReturnType<typeof apiUser> }): ApiMessage {
  return {
    id: snowflake(),
    content: '',
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    components: [],
    pinned: false,
    type: 0,
    flags: 0,
    ...fields,
  };
}

export interface InteractionContext {
  applicationId: string;
  guildId: string;
  channelId: string;
  user: FakeUser;
  /** Bytes; Discord sends the larger of the boost-tier and the invoker's Nitro limit. */
  attachmentSizeLimit?: number;
  /** The invoker's roles and permissions; default every permission (an admin). */
  member?: FakeMember;
}

function base(ctx: InteractionContext, type: number) {
  return {
    id: snowflake(),
    application_id: ctx.applicationId,
    type,
    token: `itok-${snowflake()}-${Math.random().toString(36).slice(2)}`,
    version: 1,
    guild_id: ctx.guildId,
    channel_id: ctx.channelId,
    channel: { id: ctx.channelId, type: 0, guild_id: ctx.guildId, name: 'videos' },
    member: apiMember(ctx.user, ctx.member),
    app_permissions: '2251799813685247',
    locale: 'en-US',
    guild_locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': ctx.guildId },
    context: 0,
    attachment_size_limit: ctx.attachmentSizeLimit ?? 10 * 1024 * 1024,
  };
}

export type SlashOption = { name: string; type: number; value: string | number | boolean };

export function slashCommand(ctx: InteractionContext, name: string, options: SlashOption[], attachments: ApiAttachment[] = []) {
  return {
    ...base(ctx, 2),
    data: {
      id: snowflake(),
      name,
      type: 1,
      guild_id: ctx.guildId,
      options,
      ...(attachments.length > 0 ? { resolved: { attachments: Object.fromEntries(attachments.map((a) => [a.id, a])) } } : {}),
    },
  };
}

export function messageContextMenu(ctx: InteractionContext, name: string, target: ApiMessage) {
  return {
    ...base(ctx, 2),
    data: { id: snowflake(), name, type: 3, guild_id: ctx.guildId, target_id: target.id, resolved: { messages: { [target.id]: target } } },
  };
}

export function buttonPress(ctx: InteractionContext, customId: string, message: ApiMessage) {
  return { ...base(ctx, 3), message, data: { custom_id: customId, component_type: 2 } };
}

export function modalSubmit(ctx: InteractionContext, customId: string, values: Record<string, string>, message?: ApiMessage) {
  return {
    ...base(ctx, 5),
    ...(message ? { message } : {}),
    data: {
      custom_id: customId,
      components: Object.entries(values).map(([id, value], i) => ({ type: 18, id: i + 1, component: { type: 4, id: i + 100, custom_id: id, value } })),
    },
  };
}
