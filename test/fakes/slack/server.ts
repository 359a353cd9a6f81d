/**
 * A loopback fake of the Slack Web API, enough for the bot: auth.test, chat.postMessage/update/
 * postEphemeral, conversations.replies/history/join, users.conversations (who is in which channel),
 * files.info, views.open, views.publish (the App Home), users.info (admin and owner flags),
 * usergroups.users.list, the external upload
 * flow (files.getUploadURLExternal with an upload URL on this fake, the upload POST itself,
 * files.completeUploadExternal), private file downloads that need `Authorization: Bearer xoxb-…`,
 * and response_url posts. It keeps channels and threads in memory, records every call, and has
 * switches for not_in_channel, missing_scope (with `needed`), rate limits and slow answers.
 * Socket Mode (apps.connections.open with the app-level token, and the socket itself) is
 * `socketMode`, from ./socket-mode.ts.
 *
 *   const slack = await startFakeSlack();
 *   new App({ token: slack.botToken, clientOptions: { slackApiUrl: slack.url } })
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LIMITED_METHODS, slackMessageError } from './limits.js';
import { createSocketMode, type FakeSocketMode } from './socket-mode.js';

export interface FakeFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
  mode?: string;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  blocks?: unknown[];
  files?: FakeFile[];
  /** Every text/blocks the message had, oldest first (chat.update appends). */
  history: { text?: string; blocks?: unknown[] }[];
}

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  authorization?: string;
  at: number;
}

export interface RecordedUpload {
  fileId: string;
  filename: string;
  length: number;
  bytes?: Buffer;
  /** Headers of the upload POST. */
  headers?: Record<string, string | string[] | undefined>;
  completed?: { channel_id?: string; thread_ts?: string; initial_comment?: string; title?: string };
}

export interface FakeSlackSwitches {
  /** Channels the bot is not a member of: completeUploadExternal answers not_in_channel. */
  notInChannel: Set<string>;
  /** Channels where chat.postMessage answers not_in_channel too (private channels). */
  postRefused: Set<string>;
  /** Channels conversations.join may join (public); joining removes them from both sets. */
  joinable: Set<string>;
  /** method -> the scope it answers missing_scope for. */
  missingScope: Map<string, string>;
  /** method -> how many more calls answer 429 (Retry-After: 0). */
  rateLimit: Map<string, number>;
  /** method -> delay before answering, in ms (the first `count` calls, or all when count is undefined). */
  delay: Map<string, { ms: number; count?: number }>;
  /** Delay before a private file download answers. */
  downloadDelayMs: number;
  /** Most items per page of a paginated list, whatever `limit` asks (Slack may return fewer). */
  pageLimit: number;
  /** The workspace restricts large uploads: a longer `length` gets file_upload_size_restricted. */
  maxUploadBytes?: number;
}

/** A channel whose members the fake knows (for users.conversations). */
export interface FakeChannel {
  id: string;
  private: boolean;
  members: Set<string>;
}

export interface FakeSlack {
  /** The Web API base, with the trailing slash the SDK expects (SLACK_API_URL). */
  url: string;
  origin: string;
  botToken: string;
  /** The app-level token (xapp-) that apps.connections.open takes. */
  appToken: string;
  socketMode: FakeSocketMode;
  botUserId: string;
  botName: string;
  teamId: string;
  switches: FakeSlackSwitches;
  calls: RecordedCall[];
  callsTo(method: string): RecordedCall[];
  messages: FakeMessage[];
  /** A message posted by a person (not through the API). */
  addMessage(message: { channel: string; user: string; text?: string; thread_ts?: string; files?: FakeFile[] }): FakeMessage;
  /** A private file on this fake. */
  addFile(name: string, bytes: Uint8Array, mimetype: string): FakeFile;
  /** Private file downloads, with the Authorization header each carried. */
  downloads: { fileId: string; authorization?: string }[];
  uploads: Map<string, RecordedUpload>;
  /** A fresh response_url on this fake. */
  responseUrl(): string;
  responses: { id: string; body: Record<string, unknown> }[];
  message(channel: string, ts: string): FakeMessage | undefined;
  /** Declares a channel and its members (include the bot's user id when the bot is in it). */
  addChannel(id: string, options: { private?: boolean; members: string[] }): FakeChannel;
  channels: Map<string, FakeChannel>;
  /** People users.info knows, with their admin and owner flags (an unknown user is user_not_found). */
  users: Map<string, { is_admin?: boolean; is_owner?: boolean; is_primary_owner?: boolean }>;
  /** User groups (subteam ids) and their members, for usergroups.users.list. */
  userGroups: Map<string, Set<string>>;
  /** The App Home view views.publish last set for each user. */
  homeViews: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

const JSON_ARGS = new Set(['blocks', 'attachments', 'files', 'view', 'metadata']);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseArgs(req: IncomingMessage, raw: Buffer): Record<string, unknown> {
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) return raw.length ? (JSON.parse(raw.toString()) as Record<string, unknown>) : {};
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw.toString())) {
    args[key] = JSON_ARGS.has(key) ? JSON.parse(value) : value;
  }
  return args;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeSlack(options: { botToken?: string; appToken?: string; botUserId?: string; botName?: string; teamId?: string } = {}): Promise<FakeSlack> {
  const botToken = options.botToken ?? 'xoxb-fake-0000-secret';
  const appToken = options.appToken ?? 'xapp-1-A1-0000-fakeAppToken';
  const botUserId = options.botUserId ?? 'UBOT';
  const botName = options.botName ?? 'seedance';
  const teamId = options.teamId ?? 'T1';
  const calls: RecordedCall[] = [];
  const messages: FakeMessage[] = [];
  const files = new Map<string, { file: FakeFile; bytes: Uint8Array }>();
  const downloads: FakeSlack['downloads'] = [];
  const uploads = new Map<string, RecordedUpload>();
  const responses: FakeSlack['responses'] = [];
  const switches: FakeSlackSwitches = {
    notInChannel: new Set(),
    postRefused: new Set(),
    joinable: new Set(),
    missingScope: new Map(),
    rateLimit: new Map(),
    delay: new Map(),
    downloadDelayMs: 0,
    pageLimit: 1000,
  };
  const channels = new Map<string, FakeChannel>();
  const users: FakeSlack['users'] = new Map();
  const userGroups: FakeSlack['userGroups'] = new Map();
  const homeViews: FakeSlack['homeViews'] = new Map();
  let counter = 0;
  let origin = '';
  const nextTs = () => `${1_700_000_000 + ++counter}.${String(counter).padStart(6, '0')}`;
  const findMessage = (channel: string, ts: string) => messages.find((m) => m.channel === channel && m.ts === ts);

  function post(channel: string, fields: Partial<FakeMessage>): FakeMessage {
    const message: FakeMessage = { channel, ts: nextTs(), ...fields, history: [{ text: fields.text, blocks: fields.blocks }] } as FakeMessage;
    messages.push(message);
    return message;
  }

  const inRange = (ts: string, args: Record<string, unknown>) => {
    const inclusive = args['inclusive'] === true || args['inclusive'] === 'true' || args['inclusive'] === '1';
    const latest = args['latest'] as string | undefined;
    const oldest = args['oldest'] as string | undefined;
    if (latest !== undefined && (inclusive ? ts > latest : ts >= latest)) return false;
    if (oldest !== undefined && (inclusive ? ts < oldest : ts <= oldest)) return false;
    return true;
  };
  const view = (m: FakeMessage) => ({ type: 'message', ts: m.ts, text: m.text, user: m.user, bot_id: m.bot_id, ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}), ...(m.blocks ? { blocks: m.blocks } : {}), ...(m.files ? { files: m.files } : {}) });

  const methods: Record<string, (args: Record<string, unknown>) => Record<string, unknown>> = {
    'auth.test': () => ({ ok: true, url: 'https://fake.slack.com/', team: 'Fake', user: botName, team_id: teamId, user_id: botUserId, bot_id: 'BBOT' }),
    'chat.postMessage': (args) => {
      const channel = String(args['channel']);
      if (switches.postRefused.has(channel)) return { ok: false, error: 'not_in_channel' };
      const m = post(channel, { text: args['text'] as string, blocks: args['blocks'] as unknown[], bot_id: 'BBOT', user: botUserId, ...(args['thread_ts'] ? { thread_ts: String(args['thread_ts']) } : {}) });
      return { ok: true, channel, ts: m.ts, message: view(m) };
    },
    'chat.update': (args) => {
      const m = findMessage(String(args['channel']), String(args['ts']));
      if (!m) return { ok: false, error: 'message_not_found' };
      m.text = args['text'] as string;
      m.blocks = args['blocks'] as unknown[];
      m.history.push({ text: m.text, blocks: m.blocks });
      return { ok: true, channel: m.channel, ts: m.ts, text: m.text };
    },
    'chat.postEphemeral': () => ({ ok: true, message_ts: nextTs() }),
    'conversations.join': (args) => {
      const channel = String(args['channel']);
      if (!switches.joinable.has(channel)) return { ok: false, error: 'method_not_supported_for_channel_type' };
      switches.notInChannel.delete(channel);
      switches.postRefused.delete(channel);
      return { ok: true, channel: { id: channel } };
    },
    'conversations.replies': (args) => {
      const channel = String(args['channel']);
      const ts = String(args['ts']);
      const root = findMessage(channel, ts);
      if (!root) return { ok: false, error: 'thread_not_found' };
      const thread = root.thread_ts && root.thread_ts !== root.ts ? [root] : messages.filter((m) => m.channel === channel && (m.ts === ts || m.thread_ts === ts));
      const limit = Number(args['limit'] ?? 1000);
      const found = thread.filter((m) => m.ts === ts || inRange(m.ts, args)).sort((a, b) => (a.ts < b.ts ? -1 : 1));
      return { ok: true, messages: found.slice(0, limit).map(view), has_more: found.length > limit };
    },
    'conversations.history': (args) => {
      const channel = String(args['channel']);
      const limit = Number(args['limit'] ?? 100);
      const found = messages
        .filter((m) => m.channel === channel && (!m.thread_ts || m.thread_ts === m.ts) && inRange(m.ts, args))
        .sort((a, b) => (a.ts < b.ts ? 1 : -1));
      return { ok: true, messages: found.slice(0, limit).map(view), has_more: found.length > limit };
    },
    'users.conversations': (args) => {
      // Private channels are listed only when the caller (the bot) shares them, as Slack does.
      const user = String(args['user']);
      const types = String(args['types'] ?? 'public_channel').split(',');
      const listed = [...channels.values()].filter(
        (c) => c.members.has(user) && types.includes(c.private ? 'private_channel' : 'public_channel') && (!c.private || c.members.has(botUserId)),
      );
      const from = args['cursor'] ? Number(Buffer.from(String(args['cursor']), 'base64').toString()) : 0;
      const size = Math.min(Number(args['limit'] ?? 100), 1000, switches.pageLimit);
      const page = listed.slice(from, from + size);
      const next = from + size < listed.length ? Buffer.from(String(from + size)).toString('base64') : '';
      return {
        ok: true,
        channels: page.map((c) => ({ id: c.id, is_channel: true, is_private: c.private, is_member: c.members.has(botUserId) })),
        response_metadata: { next_cursor: next },
      };
    },
    'files.info': (args) => {
      const stored = files.get(String(args['file']));
      return stored ? { ok: true, file: stored.file } : { ok: false, error: 'file_not_found' };
    },
    'views.open': (args) => ({ ok: true, view: { id: `V${++counter}`, ...(args['view'] as object) } }),
    'views.publish': (args) => {
      const view = args['view'] as Record<string, unknown> | undefined;
      if (!args['user_id'] || view?.['type'] !== 'home') return { ok: false, error: 'invalid_arguments' };
      homeViews.set(String(args['user_id']), view);
      return { ok: true, view: { id: `V${++counter}`, ...view } };
    },
    'users.info': (args) => {
      const id = String(args['user']);
      const flags = users.get(id);
      if (!flags) return { ok: false, error: 'user_not_found' };
      return { ok: true, user: { id, team_id: teamId, name: id.toLowerCase(), deleted: false, is_bot: false, is_admin: false, is_owner: false, is_primary_owner: false, ...flags } };
    },
    'usergroups.users.list': (args) => {
      const members = userGroups.get(String(args['usergroup']));
      return members ? { ok: true, users: [...members] } : { ok: false, error: 'no_such_subteam' };
    },
    'files.getUploadURLExternal': (args) => {
      if (switches.maxUploadBytes !== undefined && Number(args['length']) > switches.maxUploadBytes) return { ok: false, error: 'file_upload_size_restricted' };
      const fileId = `F${String(++counter).padStart(8, '0')}`;
      uploads.set(fileId, { fileId, filename: String(args['filename']), length: Number(args['length']) });
      return { ok: true, upload_url: `${origin}/upload/${fileId}`, file_id: fileId };
    },
    'files.completeUploadExternal': (args) => {
      const list = (args['files'] as { id: string; title?: string }[]) ?? [];
      const channel = args['channel_id'] as string | undefined;
      if (channel && switches.notInChannel.has(channel)) return { ok: false, error: 'not_in_channel' };
      const done: FakeFile[] = [];
      for (const entry of list) {
        const upload = uploads.get(entry.id);
        if (!upload || !upload.bytes) return { ok: false, error: 'file_not_found' };
        upload.completed = {
          ...(channel ? { channel_id: channel } : {}),
          ...(args['thread_ts'] ? { thread_ts: String(args['thread_ts']) } : {}),
          ...(args['initial_comment'] ? { initial_comment: String(args['initial_comment']) } : {}),
          ...(entry.title ? { title: entry.title } : {}),
        };
        const file = fileObject(entry.id, upload.filename, 'video/mp4', upload.bytes.length);
        files.set(entry.id, { file, bytes: upload.bytes });
        done.push(file);
      }
      if (channel) post(channel, { text: args['initial_comment'] as string, files: done, bot_id: 'BBOT', user: botUserId, ...(args['thread_ts'] ? { thread_ts: String(args['thread_ts']) } : {}) });
      return { ok: true, files: done.map((f) => ({ id: f.id, title: f.title })) };
    },
  };

  function fileObject(id: string, name: string, mimetype: string, size: number): FakeFile {
    const url = `${origin}/files-pri/${teamId}-${id}/${encodeURIComponent(name)}`;
    return { id, name, title: name, mimetype, filetype: name.split('.').pop() ?? '', size, url_private: url, url_private_download: `${url}?download=1` };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };

    if (req.method === 'GET' && path.startsWith('/files-pri/')) {
      const id = /^\/files-pri\/[^-/]+-([^/]+)\//.exec(path)?.[1] ?? '';
      const authorization = req.headers.authorization;
      downloads.push({ fileId: id, ...(authorization ? { authorization } : {}) });
      if (switches.downloadDelayMs) await sleep(switches.downloadDelayMs);
      const stored = files.get(id);
      if (!stored) return void res.writeHead(404).end();
      // Without the token Slack answers its sign-in page, with 200.
      if (authorization !== `Bearer ${botToken}`) return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Sign in to Slack</html>');
      res.writeHead(200, { 'content-type': stored.file.mimetype, 'content-length': String(stored.bytes.length) }).end(Buffer.from(stored.bytes));
      return;
    }
    if (req.method === 'POST' && path.startsWith('/upload/')) {
      const id = path.slice('/upload/'.length);
      const upload = uploads.get(id);
      const bytes = await readBody(req);
      if (!upload) return void res.writeHead(404).end();
      upload.bytes = bytes;
      upload.headers = { ...req.headers };
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes.length}`);
      return;
    }
    if (req.method === 'POST' && path.startsWith('/response/')) {
      const body = JSON.parse((await readBody(req)).toString() || '{}') as Record<string, unknown>;
      const tooBig = slackMessageError(body);
      if (tooBig) return send(400, { ok: false, error: tooBig });
      responses.push({ id: path.slice('/response/'.length), body });
      return send(200, { ok: true });
    }
    if (req.method === 'POST' && path.startsWith('/api/')) {
      const method = path.slice('/api/'.length);
      const raw = await readBody(req);
      const args = parseArgs(req, raw);
      const authorization = req.headers.authorization;
      calls.push({ method, args, ...(authorization ? { authorization } : {}), at: Date.now() });
      const tooBig = LIMITED_METHODS.has(method) ? slackMessageError(args) : undefined;
      if (tooBig) return send(200, { ok: false, error: tooBig });
      const delay = switches.delay.get(method);
      if (delay && (delay.count === undefined || delay.count > 0)) {
        if (delay.count !== undefined) delay.count--;
        await sleep(delay.ms);
      }
      const limited = switches.rateLimit.get(method) ?? 0;
      if (limited > 0) {
        switches.rateLimit.set(method, limited - 1);
        return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '0' });
      }
      // The one method called with the app-level token instead of the bot's.
      if (method === 'apps.connections.open') {
        const opened = socketMode.openConnection(authorization);
        return send(opened.status, opened.body);
      }
      const token = authorization?.replace(/^Bearer /, '') ?? (args['token'] as string | undefined);
      if (token !== botToken) return send(200, { ok: false, error: 'invalid_auth' });
      const needed = switches.missingScope.get(method);
      if (needed) return send(200, { ok: false, error: 'missing_scope', needed, provided: 'commands,chat:write' });
      const implementation = methods[method];
      if (!implementation) return send(200, { ok: false, error: 'unknown_method' });
      return send(200, implementation(args));
    }
    res.writeHead(404).end();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let responseIds = 0;
  const responseUrl = () => `${origin}/response/${++responseIds}`;
  const socketMode = createSocketMode({ appToken, botToken, teamId, origin: () => origin, responseUrl });
  server.on('upgrade', (req, socket, head: Buffer) => {
    if (!socketMode.handleUpgrade(req, socket, head)) socket.destroy();
  });

  return {
    url: `${origin}/api/`,
    origin,
    botToken,
    appToken,
    socketMode,
    botUserId,
    botName,
    teamId,
    switches,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    messages,
    addMessage: (m) => post(m.channel, { user: m.user, text: m.text, ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}), ...(m.files ? { files: m.files } : {}) }),
    addFile(name, bytes, mimetype) {
      const file = fileObject(`F${String(++counter).padStart(8, '0')}`, name, mimetype, bytes.length);
      files.set(file.id, { file, bytes });
      return file;
    },
    downloads,
    uploads,
    responseUrl,
    responses,
    message: findMessage,
    addChannel(id, options) {
      const channel: FakeChannel = { id, private: options.private ?? false, members: new Set(options.members) };
      channels.set(id, channel);
      return channel;
    },
    channels,
    users,
    userGroups,
    homeViews,
    async close() {
      await socketMode.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
