/**
 * (A long file: the whole REST surface the bot uses, route by route, with its state, in one place.)
 * A loopback fake of Discord for the real discord.js Client: REST under `<url>/v10` (pass `url` as
 * DISCORD_API_URL), `GET /gateway/bot` naming the fake's own WebSocket gateway, a CDN for
 * attachments, and switches for missing permissions. Every REST call is recorded, multipart
 * bodies parsed into JSON payload plus file bytes.
 *
 *   const discord = await startFakeDiscord();
 *   const client = new Client({ intents, rest: { api: discord.url } });
 *   await client.login(discord.token);
 *   await discord.dispatchInteraction(slashCommand(discord.context(user), 'video', [...]));
 *
 * Several servers (`guilds`), each with one text channel, for sharding: `GET /gateway/bot`
 * recommends `shards` and tells `max_concurrency`; the gateway routes each guild to its shard.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { AddressInfo } from 'node:net';
import { FakeGateway, MESSAGE_CONTENT_INTENT, shardOfGuild } from './gateway.js';
import { apiMessage, apiUser, snowflake, type ApiAttachment, type ApiMessage, type FakeUser, type InteractionContext } from './payloads.js';
import { invalidFormBody, messageLimitBroken } from './limits.js';

export interface RecordedFile {
  field: string;
  name: string;
  contentType: string;
  bytes: Buffer;
}

export interface RecordedCall {
  method: string;
  /** Path after `/api/v10`, e.g. `/channels/123/messages`. */
  path: string;
  route: RouteName;
  query: URLSearchParams;
  authorization?: string;
  /** The JSON body, or the `payload_json` of a multipart body. */
  json?: any;
  files: RecordedFile[];
  at: number;
  status: number;
}

export type RouteName =
  | 'gatewayBot'
  | 'interactionCallback'
  | 'webhookEditOriginal'
  | 'webhookGetOriginal'
  | 'webhookFollowUp'
  | 'webhookEditMessage'
  | 'createMessage'
  | 'editMessage'
  | 'getMessage'
  | 'listMessages'
  | 'startThread'
  | 'getChannel'
  | 'getGuild'
  | 'putCommands'
  | 'getMe'
  | 'unknown';

/** Permissions that can be taken away from the bot. */
export type Denial = 'sendMessages' | 'sendInThreads' | 'createThreads' | 'attachFiles' | 'readHistory';

export interface FakeDiscordOptions {
  token?: string;
  applicationId?: string;
  /** Guild boost tier (0-3). */
  premiumTier?: number;
  heartbeatIntervalMs?: number;
  /** Keep every call (turn off for benchmarks). Default true. */
  record?: boolean;
  /** How long an interaction token stays valid; Discord: 15 min. */
  tokenLifetimeMs?: number;
  /** Roles of every guild besides @everyone (sent in GUILD_CREATE, as Discord does). */
  roles?: { id: string; name: string }[];
  /** How many servers the bot is in (default 1), each with one text channel. */
  guilds?: number;
  /** The shard count `GET /gateway/bot` recommends (default 1). */
  shards?: number;
  /** `session_start_limit.max_concurrency` (default 1). */
  maxConcurrency?: number;
  /** A session that would hold more guilds than this is closed with 4011 (default: Discord's 2,500). */
  maxGuildsPerSession?: number;
  /** One identify per max_concurrency bucket in this window, or it is counted as too soon (Discord: 5 s). */
  identifyWindowMs?: number;
}

/** A server of the fake and its one text channel. */
export interface FakeGuild {
  id: string;
  channelId: string;
}

export interface FakeDiscord {
  /** REST base to give discord.js (`rest.api`) or DISCORD_API_URL; `/v10` is appended by the client. */
  url: string;
  token: string;
  applicationId: string;
  bot: FakeUser;
  guildId: string;
  channelId: string;
  /** Every server, the first being `guildId` with `channelId`. */
  guilds: FakeGuild[];
  gateway: FakeGateway;
  calls: RecordedCall[];
  switches: {
    deny: Set<Denial>;
    premiumTier: number;
    messageContentAllowed: boolean;
    /** The next N messages with files are stored, but answered with a 500 (a response lost in transit). */
    loseUploadResponses: number;
    /** Overrides the boost tier's file limit (tests use a low one instead of huge files). */
    uploadLimitBytes?: number;
  };
  messages: Map<string, ApiMessage>;
  /** Role ids of each user's guild member, sent with their MESSAGE_CREATE (default none). */
  memberRoles: Map<string, string[]>;
  /** Threads by id (= the id of the message they were started on). */
  threads: Map<string, { id: string; parent_id: string; name: string }>;
  /** When each dispatched interaction was written to the gateway, by interaction id. */
  dispatchedAt: Map<string, number>;
  /** The first callback per interaction, by interaction id. */
  callbacks: Map<string, { type: number; at: number; flags?: number }>;
  /** Called for every REST call as it is answered (after recording). */
  onCall?: (call: RecordedCall) => void;
  context(user: FakeUser, channelId?: string): InteractionContext;
  /** Stores a file on the fake CDN and returns its attachment object. */
  attachment(name: string, bytes: Uint8Array, options?: { contentType?: string; ephemeral?: boolean; channelId?: string }): ApiAttachment;
  /**
   * A file on disk on the fake CDN, streamed from it when fetched (a large one need not be in this
   * process's memory). With `pause`, the first `afterBytes` are sent, then the rest once `until` resolves.
   */
  attachmentFromFile(name: string, path: string, options?: { contentType?: string; ephemeral?: boolean; pause?: { afterBytes: number; until: Promise<unknown> } }): ApiAttachment;
  /** Sends INTERACTION_CREATE; the payload from payloads.ts. */
  dispatchInteraction(payload: { id: string; token: string }): Promise<void>;
  /** Stores a user's message and sends MESSAGE_CREATE (content blanked as Discord does without the intent). */
  postUserMessage(user: FakeUser, fields: Partial<ApiMessage> & { channel_id?: string }): Promise<ApiMessage>;
  callsTo(route: RouteName): RecordedCall[];
  /** Resolves with the first recorded call (past or future) that matches. */
  waitForCall(match: (call: RecordedCall) => boolean, ms?: number, what?: string): Promise<RecordedCall>;
  /** Messages in a channel or thread, oldest first. */
  messagesIn(channelId: string): ApiMessage[];
  close(): Promise<void>;
}

const ROUTES: { method: string; pattern: RegExp; name: RouteName }[] = [
  { method: 'GET', pattern: /^\/gateway\/bot$/, name: 'gatewayBot' },
  { method: 'POST', pattern: /^\/interactions\/(\d+)\/([^/]+)\/callback$/, name: 'interactionCallback' },
  { method: 'PATCH', pattern: /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(?:@|%40)original$/, name: 'webhookEditOriginal' },
  { method: 'GET', pattern: /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(?:@|%40)original$/, name: 'webhookGetOriginal' },
  { method: 'PATCH', pattern: /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(\d+)$/, name: 'webhookEditMessage' },
  { method: 'POST', pattern: /^\/webhooks\/(\d+)\/([^/]+)$/, name: 'webhookFollowUp' },
  { method: 'POST', pattern: /^\/channels\/(\d+)\/messages$/, name: 'createMessage' },
  { method: 'GET', pattern: /^\/channels\/(\d+)\/messages$/, name: 'listMessages' },
  { method: 'PATCH', pattern: /^\/channels\/(\d+)\/messages\/(\d+)$/, name: 'editMessage' },
  { method: 'GET', pattern: /^\/channels\/(\d+)\/messages\/(\d+)$/, name: 'getMessage' },
  { method: 'POST', pattern: /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/, name: 'startThread' },
  { method: 'GET', pattern: /^\/channels\/(\d+)$/, name: 'getChannel' },
  { method: 'GET', pattern: /^\/guilds\/(\d+)$/, name: 'getGuild' },
  { method: 'PUT', pattern: /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/, name: 'putCommands' },
  { method: 'GET', pattern: /^\/users\/(?:@|%40)me$/, name: 'getMe' },
];

class HttpFailure {
  constructor(
    readonly status: number,
    readonly body: { code: number; message: string },
  ) {}
}
const MISSING_PERMISSIONS = () => new HttpFailure(403, { code: 50013, message: 'Missing Permissions' });
const MISSING_ACCESS = () => new HttpFailure(403, { code: 50001, message: 'Missing Access' });
const UNKNOWN_MESSAGE = () => new HttpFailure(404, { code: 10008, message: 'Unknown Message' });
const UNKNOWN_CHANNEL = () => new HttpFailure(404, { code: 10003, message: 'Unknown Channel' });

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Parses a JSON or multipart body with undici's own multipart parser (Request.formData). */
async function parseBody(req: IncomingMessage, raw: Buffer): Promise<{ json?: any; files: RecordedFile[] }> {
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { files: [] };
  if (type.startsWith('application/json')) return { json: JSON.parse(raw.toString('utf8')), files: [] };
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://fake.invalid/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
    const files: RecordedFile[] = [];
    let json: any;
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') json = JSON.parse(value);
      } else {
        files.push({ field, name: value.name, contentType: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
      }
    }
    return { json, files };
  }
  return { files: [] };
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const token = options.token ?? 'MTAwMDAwMDAwMDAwMDAwMDAx.GfAkEt.fake-bot-token-for-tests-only-000000';
  const applicationId = options.applicationId ?? '100000000000000001';
  const bot: FakeUser = { id: applicationId, username: 'Seedance', bot: true };
  const guildId = '200000000000000001';
  const channelId = '300000000000000001';
  const record = options.record ?? true;
  const tokenLifetimeMs = options.tokenLifetimeMs ?? 15 * 60_000;

  const switches: FakeDiscord['switches'] = { deny: new Set<Denial>(), premiumTier: options.premiumTier ?? 0, messageContentAllowed: true, loseUploadResponses: 0 };
  const calls: RecordedCall[] = [];
  const messages = new Map<string, ApiMessage>();
  const threads = new Map<string, { id: string; parent_id: string; name: string }>();
  const cdn = new Map<string, { bytes: Uint8Array; contentType: string } | { file: string; size: number; contentType: string; pause?: { afterBytes: number; until: Promise<unknown> } }>();
  const dispatchedAt = new Map<string, number>();
  const interactionTokens = new Map<string, { id: string; at: number }>();
  const originals = new Map<string, ApiMessage>();
  const memberRoles = new Map<string, string[]>();
  const callbacks = new Map<string, { type: number; at: number; flags?: number }>();
  const waiters = new Set<{ match: (c: RecordedCall) => boolean; resolve: (c: RecordedCall) => void }>();
  // Guild i's id is guild 0's plus i in the timestamp part, so consecutive guilds go to consecutive shards.
  const guilds: FakeGuild[] = Array.from({ length: Math.max(1, options.guilds ?? 1) }, (_, i) => ({
    id: String(((BigInt(guildId) >> 22n) + BigInt(i)) << 22n | (BigInt(guildId) & 0x3fffffn)),
    channelId: String(BigInt(channelId) + BigInt(i)),
  }));
  const channels = new Map<string, { id: string; type: number; name: string; guild_id: string; parent_id?: string }>(
    guilds.map((g) => [g.channelId, { id: g.channelId, type: 0, name: 'videos', guild_id: g.id }]),
  );
  const guildOf = (channel: string) => channels.get(channel)?.guild_id ?? guildId;
  const shardCount = options.shards ?? 1;
  const maxConcurrency = options.maxConcurrency ?? 1;

  let baseUrl = '';
  const botUser = apiUser(bot);

  const channelJson = (id: string) => {
    const c = channels.get(id);
    if (!c) return undefined;
    if (c.type === 11) {
      return {
        id,
        type: 11,
        guild_id: c.guild_id,
        parent_id: c.parent_id,
        name: c.name,
        owner_id: bot.id,
        flags: 0,
        rate_limit_per_user: 0,
        message_count: 0,
        member_count: 1,
        thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false },
      };
    }
    return { id, type: c.type, guild_id: c.guild_id, name: c.name, position: 0, permission_overwrites: [], nsfw: false, parent_id: null, topic: null, rate_limit_per_user: 0, flags: 0 };
  };
  const guildJson = (id = guildId) => ({
    id,
    name: id === guildId ? 'Fake guild' : `Fake guild ${guilds.findIndex((g) => g.id === id)}`,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: '400000000000000009',
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [
      { id, name: '@everyone', color: 0, hoist: false, position: 0, permissions: '2251799813685247', managed: false, mentionable: false, flags: 0 },
      ...(options.roles ?? []).map((role, i) => ({ ...role, color: 0, hoist: false, position: i + 1, permissions: '0', managed: false, mentionable: true, flags: 0 })),
    ],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: switches.premiumTier,
    premium_subscription_count: [0, 2, 7, 14][switches.premiumTier] ?? 0,
    preferred_locale: 'en-US',
    public_updates_channel_id: null,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    safety_alerts_channel_id: null,
  });
  const guildCreate = (id = guildId) => ({
    ...guildJson(id),
    unavailable: false,
    joined_at: new Date(0).toISOString(),
    large: false,
    member_count: 2,
    members: [],
    channels: [...channels.values()].filter((c) => c.type !== 11 && c.guild_id === id).map((c) => channelJson(c.id)),
    threads: [],
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  });

  const intents = () => gateway.intents;
  /** What the bot may read of a message: without MESSAGE_CONTENT, only its own and those that mention it. */
  const visible = (message: ApiMessage): ApiMessage => {
    if (intents() & MESSAGE_CONTENT_INTENT) return message;
    if (message.author.id === bot.id || message.mentions.some((u) => u.id === bot.id)) return message;
    return { ...message, content: '', attachments: [], embeds: [], components: [] };
  };

  const storeFiles = (channel: string, files: RecordedFile[], described: { id?: string | number; filename?: string; description?: string }[] = []): ApiAttachment[] =>
    files.map((file, i) => {
      const meta = described.find((d) => `files[${String(d.id)}]` === file.field) ?? described[i];
      const name = meta?.filename ?? file.name;
      return attachmentOn(channel, name, file.bytes, file.contentType);
    });

  const attachmentOn = (channel: string, name: string, bytes: Uint8Array, contentType?: string, ephemeral = false): ApiAttachment =>
    cdnAttachment(channel, name, { bytes, contentType: contentType ?? 'application/octet-stream' }, bytes.byteLength, contentType, ephemeral);

  const cdnAttachment = (channel: string, name: string, entry: NonNullable<ReturnType<typeof cdn.get>>, size: number, contentType?: string, ephemeral = false): ApiAttachment => {
    const id = snowflake();
    const path = `/${ephemeral ? 'ephemeral-attachments' : 'attachments'}/${channel}/${id}/${encodeURIComponent(name)}`;
    cdn.set(path, entry);
    const ex = Math.floor(Date.now() / 1000 + 86_400).toString(16);
    const url = `${baseUrl.replace(/\/api$/, '')}/cdn${path}?ex=${ex}&is=${Math.floor(Date.now() / 1000).toString(16)}&hm=${'ab'.repeat(32)}&`;
    return { id, filename: name, size, url, proxy_url: url, ...(contentType ? { content_type: contentType } : {}), ...(ephemeral ? { ephemeral: true } : {}) };
  };

  const createMessage = (channel: string, body: any, files: RecordedFile[], author = botUser, extra: Partial<ApiMessage> = {}): ApiMessage => {
    const message = apiMessage({
      channel_id: channel,
      guild_id: guildOf(channel),
      author,
      content: typeof body?.content === 'string' ? body.content : '',
      embeds: body?.embeds ?? [],
      components: body?.components ?? [],
      attachments: storeFiles(channel, files, body?.attachments),
      flags: body?.flags ?? 0,
      ...(body?.allowed_mentions ? { allowed_mentions: body.allowed_mentions } : {}),
      ...(body?.nonce !== undefined ? { nonce: body.nonce } : {}),
      ...extra,
    });
    messages.set(message.id, message);
    return message;
  };

  const editMessage = (message: ApiMessage, body: any, files: RecordedFile[]): ApiMessage => {
    if (typeof body?.content === 'string') message.content = body.content;
    if (body?.components) message.components = body.components;
    if (body?.embeds) message.embeds = body.embeds;
    if (files.length > 0) message.attachments = [...message.attachments, ...storeFiles(message.channel_id, files, body?.attachments)];
    if (body?.allowed_mentions) message.allowed_mentions = body.allowed_mentions;
    message.edited_timestamp = new Date().toISOString();
    return message;
  };

  const isThread = (id: string) => channels.get(id)?.type === 11;

  const checkInteractionToken = (appId: string, itoken: string) => {
    const known = interactionTokens.get(itoken);
    if (appId !== applicationId || !known) throw new HttpFailure(404, { code: 10015, message: 'Unknown Webhook' });
    if (Date.now() - known.at > tokenLifetimeMs) throw new HttpFailure(401, { code: 50027, message: 'Invalid Webhook Token' });
    return known;
  };

  async function route(name: RouteName, params: string[], method: string, url: URL, body: { json?: any; files: RecordedFile[] }, auth?: string): Promise<{ status: number; json?: unknown }> {
    const botAuth = name !== 'interactionCallback' && !name.startsWith('webhook');
    if (botAuth && name !== 'unknown' && auth !== `Bot ${token}`) throw new HttpFailure(401, { code: 0, message: '401: Unauthorized' });
    const tooBig = messageLimitBroken(name === 'interactionCallback' ? body.json?.data : body.json);
    if (tooBig) throw new HttpFailure(400, invalidFormBody(tooBig));
    switch (name) {
      case 'gatewayBot':
        return {
          status: 200,
          json: {
            url: `${baseUrl.replace(/^http/, 'ws').replace(/\/api$/, '')}/gateway`,
            shards: shardCount,
            session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: maxConcurrency },
          },
        };
      case 'getMe':
        return { status: 200, json: botUser };
      case 'interactionCallback': {
        const [id, itoken] = params as [string, string];
        const known = interactionTokens.get(itoken);
        if (!known || known.id !== id) throw new HttpFailure(404, { code: 10062, message: 'Unknown interaction' });
        if (Date.now() - known.at > 3_000) throw new HttpFailure(404, { code: 10062, message: 'Unknown interaction' });
        if (callbacks.has(id)) throw new HttpFailure(400, { code: 40060, message: 'Interaction has already been acknowledged.' });
        const type = body.json?.type as number;
        callbacks.set(id, { type, at: Date.now(), ...(body.json?.data?.flags !== undefined ? { flags: body.json.data.flags } : {}) });
        if (type === 4 || type === 5) {
          originals.set(itoken, createMessage(channelId, body.json?.data ?? {}, body.files, botUser, { application_id: applicationId, interaction_token: itoken } as Partial<ApiMessage>));
        }
        if (url.searchParams.get('with_response') === 'true') {
          const resource = originals.get(itoken);
          return { status: 200, json: { interaction: { id, type: 2 }, resource: { type, ...(resource ? { message: resource } : {}) } } };
        }
        return { status: 204 };
      }
      case 'webhookGetOriginal':
      case 'webhookEditOriginal': {
        const [appId, itoken] = params as [string, string];
        checkInteractionToken(appId, itoken);
        let original = originals.get(itoken);
        if (!original) throw UNKNOWN_MESSAGE();
        if (name === 'webhookEditOriginal') original = editMessage(original, body.json, body.files);
        return { status: 200, json: original };
      }
      case 'webhookEditMessage': {
        const [appId, itoken, mid] = params as [string, string, string];
        checkInteractionToken(appId, itoken);
        const message = messages.get(mid);
        if (!message) throw UNKNOWN_MESSAGE();
        return { status: 200, json: editMessage(message, body.json, body.files) };
      }
      case 'webhookFollowUp': {
        const [appId, itoken] = params as [string, string];
        checkInteractionToken(appId, itoken);
        return { status: 200, json: createMessage(channelId, body.json, body.files, botUser, { webhook_id: applicationId } as Partial<ApiMessage>) };
      }
      case 'createMessage': {
        const [channel] = params as [string];
        if (!channels.has(channel)) throw UNKNOWN_CHANNEL();
        if (switches.deny.has(isThread(channel) ? 'sendInThreads' : 'sendMessages')) throw MISSING_PERMISSIONS();
        if (body.files.length > 0 && switches.deny.has('attachFiles')) throw MISSING_PERMISSIONS();
        const limit = switches.uploadLimitBytes ?? [10, 10, 50, 100][switches.premiumTier]! * 1024 * 1024;
        if (body.files.some((f) => f.bytes.length > limit)) throw new HttpFailure(413, { code: 40005, message: 'Request entity too large' });
        const message = createMessage(channel, body.json, body.files);
        if (body.files.length > 0 && switches.loseUploadResponses > 0) {
          switches.loseUploadResponses--;
          throw new HttpFailure(500, { code: 0, message: '500: Internal Server Error' });
        }
        return { status: 200, json: message };
      }
      case 'editMessage': {
        const [channel, mid] = params as [string, string];
        const message = messages.get(mid);
        if (!message || message.channel_id !== channel) throw UNKNOWN_MESSAGE();
        if (message.author.id !== bot.id) throw new HttpFailure(403, { code: 50005, message: 'Cannot edit a message authored by another user' });
        return { status: 200, json: editMessage(message, body.json, body.files) };
      }
      case 'getMessage': {
        const [channel, mid] = params as [string, string];
        if (switches.deny.has('readHistory')) throw MISSING_ACCESS();
        const message = messages.get(mid);
        if (!message || message.channel_id !== channel) throw UNKNOWN_MESSAGE();
        return { status: 200, json: visible(message) };
      }
      case 'listMessages': {
        const [channel] = params as [string];
        if (!channels.has(channel)) throw UNKNOWN_CHANNEL();
        if (switches.deny.has('readHistory')) throw MISSING_ACCESS();
        const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 50));
        const list = [...messages.values()].filter((m) => m.channel_id === channel).reverse().slice(0, limit);
        return { status: 200, json: list.map(visible) };
      }
      case 'startThread': {
        const [channel, mid] = params as [string, string];
        if (switches.deny.has('createThreads')) throw MISSING_PERMISSIONS();
        const message = messages.get(mid);
        if (!message || message.channel_id !== channel) throw UNKNOWN_MESSAGE();
        if (threads.has(mid)) throw new HttpFailure(400, { code: 160004, message: 'A thread has already been created for this message' });
        const thread = { id: mid, parent_id: channel, name: String(body.json?.name ?? 'thread') };
        threads.set(mid, thread);
        channels.set(mid, { id: mid, type: 11, name: thread.name, guild_id: guildOf(channel), parent_id: channel });
        return { status: 201, json: channelJson(mid) };
      }
      case 'getChannel': {
        const json = channelJson(params[0]!);
        if (!json) throw UNKNOWN_CHANNEL();
        return { status: 200, json };
      }
      case 'getGuild':
        if (!guilds.some((g) => g.id === params[0])) throw new HttpFailure(404, { code: 10004, message: 'Unknown Guild' });
        return { status: 200, json: guildJson(params[0]) };
      case 'putCommands': {
        const [appId, guild] = params as [string, string | undefined];
        if (appId !== applicationId) throw new HttpFailure(403, { code: 20012, message: 'You are not authorized to perform this action on this application' });
        const list = (body.json as any[]) ?? [];
        return { status: 200, json: list.map((c) => ({ ...c, id: snowflake(), application_id: appId, version: snowflake(), ...(guild ? { guild_id: guild } : {}) })) };
      }
      default:
        throw new HttpFailure(404, { code: 0, message: '404: Not Found' });
    }
  }

  // A client that goes away mid-request (a bot killed while uploading) ends that request, not this process.
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const raw = await readBody(req);
    if (req.method === 'GET' && url.pathname.startsWith('/cdn/')) {
      const file = cdn.get(url.pathname.slice('/cdn'.length));
      if (!file) {
        res.writeHead(404).end();
        return;
      }
      if ('bytes' in file) {
        res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.bytes.byteLength) });
        res.end(file.bytes);
        return;
      }
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.size) });
      const first = file.pause ? Math.min(file.pause.afterBytes, file.size) : file.size;
      try {
        if (first > 0) await pipeline(createReadStream(file.file, { end: first - 1 }), res, { end: first >= file.size });
        if (first < file.size) {
          await file.pause!.until;
          await pipeline(createReadStream(file.file, { start: first }), res);
        }
      } catch {
        res.destroy();
      }
      return;
    }
    const path = url.pathname.replace(/^\/api\/v\d+/, '');
    const method = req.method ?? 'GET';
    let name: RouteName = 'unknown';
    let params: string[] = [];
    for (const r of ROUTES) {
      const m = r.method === method ? r.pattern.exec(path) : null;
      if (m) {
        name = r.name;
        params = m.slice(1).map((p) => (p === undefined ? undefined : decodeURIComponent(p))) as string[];
        break;
      }
    }
    let status = 500;
    let json: unknown;
    let parsed: { json?: any; files: RecordedFile[] } = { files: [] };
    try {
      parsed = await parseBody(req, raw);
      const answer = await route(name, params, method, url, parsed, req.headers.authorization);
      status = answer.status;
      json = answer.json;
    } catch (error) {
      if (error instanceof HttpFailure) {
        status = error.status;
        json = error.body;
      } else {
        status = 500;
        json = { code: 0, message: String(error) };
      }
    }
    const call: RecordedCall = {
      method,
      path,
      route: name,
      query: url.searchParams,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(parsed.json !== undefined ? { json: parsed.json } : {}),
      files: parsed.files,
      at: Date.now(),
      status,
    };
    if (record) calls.push(call);
    fake.onCall?.(call);
    for (const waiter of waiters) {
      if (waiter.match(call)) {
        waiters.delete(waiter);
        waiter.resolve(call);
      }
    }
    if (json === undefined) res.writeHead(status).end();
    else {
      const text = JSON.stringify(json);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;

  const guildsOfShard = (shard: [number, number] | undefined) => (shard ? guilds.filter((g) => shardOfGuild(g.id, shard[1]) === shard[0]) : guilds);
  const gateway = new FakeGateway({
    server,
    token,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
    messageContentAllowed: () => switches.messageContentAllowed,
    guildsFor: (shard) => guildsOfShard(shard).length,
    maxGuildsPerSession: () => options.maxGuildsPerSession ?? 2_500,
    maxConcurrency: () => maxConcurrency,
    identifyWindowMs: options.identifyWindowMs ?? 5_000,
    ready: (session) => ({
      ready: {
        v: 10,
        user: { ...botUser, verified: true, mfa_enabled: false, flags: 0 },
        guilds: guildsOfShard(session.shard).map((g) => ({ id: g.id, unavailable: true })),
        session_id: `session-${snowflake()}`,
        resume_gateway_url: `${baseUrl.replace(/^http/, 'ws').replace(/\/api$/, '')}/gateway`,
        shard: session.shard ?? [0, 1],
        application: { id: applicationId, flags: 0 },
        private_channels: [],
        relationships: [],
        user_settings: {},
        guild_join_requests: [],
        presences: [],
      },
      guilds: guildsOfShard(session.shard).map((g) => guildCreate(g.id)),
    }),
  });

  const fake: FakeDiscord = {
    url: baseUrl,
    token,
    applicationId,
    bot,
    guildId,
    channelId,
    guilds,
    gateway,
    calls,
    switches,
    messages,
    memberRoles,
    threads,
    dispatchedAt,
    callbacks,
    context: (user, channel = channelId) => ({ applicationId, guildId: guildOf(channel), channelId: channel, user, attachmentSizeLimit: [10, 10, 50, 100][switches.premiumTier]! * 1024 * 1024 }),
    attachment: (name, bytes, opts = {}) => attachmentOn(opts.channelId ?? channelId, name, bytes, opts.contentType, opts.ephemeral ?? false),
    attachmentFromFile: (name, path, opts = {}) => {
      const size = statSync(path).size;
      const contentType = opts.contentType ?? 'application/octet-stream';
      return cdnAttachment(channelId, name, { file: path, size, contentType, ...(opts.pause ? { pause: opts.pause } : {}) }, size, opts.contentType, opts.ephemeral ?? false);
    },
    async dispatchInteraction(payload) {
      interactionTokens.set(payload.token, { id: payload.id, at: Date.now() });
      dispatchedAt.set(payload.id, Date.now());
      await gateway.dispatch('INTERACTION_CREATE', payload);
    },
    async postUserMessage(user, fields) {
      const channel = fields.channel_id ?? channelId;
      const message = apiMessage({ guild_id: guildOf(channel), author: apiUser(user), ...fields, channel_id: channel });
      messages.set(message.id, message);
      const member = { roles: memberRoles.get(user.id) ?? [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 };
      await gateway.dispatch('MESSAGE_CREATE', { ...visible(message), member, ...(message.referenced_message ? { referenced_message: visible(message.referenced_message) } : {}) });
      return message;
    },
    callsTo: (name) => calls.filter((c) => c.route === name),
    waitForCall(match, ms = 5_000, what = 'a REST call') {
      const past = calls.find(match);
      if (past) return Promise.resolve(past);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (c: RecordedCall) => (clearTimeout(timer), resolve(c)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`timed out waiting for ${what}`));
        }, ms);
        waiters.add(waiter);
      });
    },
    messagesIn: (channel) => [...messages.values()].filter((m) => m.channel_id === channel),
    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
