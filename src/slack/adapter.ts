/**
 * The Slack adapter: a Bolt App in HTTP mode (Bolt's own HTTPReceiver, signature and 5-minute
 * replay checks included, served as a route on the bot's one HTTP server) or in Socket Mode, the
 * handlers for the command, mentions, the shortcut, the modal and the buttons, and the core's port.
 */
import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { AdapterContext, HttpRoute, PlatformAdapter } from '../core/adapter.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import { memoryClaims } from '../core/claims.js';
import { registerActions } from './actions.js';
import { registerRemix } from './recall.js';
import { registerEditPrompt } from './edit-prompt.js';
import { boltLogger } from './bolt-logger.js';
import { claimFirst } from './claim.js';
import { registerCommand } from './command.js';
import type { FileAccess } from './files.js';
import type { Flow } from './flow.js';
import { registerMention } from './mention.js';
import { SlackPort } from './port.js';
import { SLACK_EVENTS_PATH, slackEventsRoute, StartGate } from './receiver.js';
import { registerShortcut } from './shortcut.js';
import { registerSettings } from './settings.js';
import { registerAppHome } from './app-home.js';
import { DEFAULT_SOCKET_BACKOFF, describeSocketError, SocketLink, type SocketBackoff } from './socket.js';
import { DEFAULT_THROTTLE, StatusThrottle, type ThrottleSettings } from './status-throttle.js';

export type SlackConfig = NonNullable<Config['slack']>;

export { SLACK_EVENTS_PATH };

export interface SlackAdapterDeps {
  log: Logger;
  /** Status-edit pacing; tests shorten it. */
  throttle?: Partial<ThrottleSettings>;
  /** Web API retries (429s are always waited out as Slack asks). */
  retries?: number;
  /** Socket Mode reconnect pacing; tests shorten it. */
  socketBackoff?: Partial<SocketBackoff>;
}

export class SlackAdapter implements PlatformAdapter {
  readonly platform = 'slack' as const;
  readonly port: SlackPort;
  readonly httpRoute?: HttpRoute;
  readonly mode: 'http' | 'socket';
  readonly throttle: StatusThrottle;
  private readonly app: App;
  private readonly receiver?: HTTPReceiver;
  /** Socket Mode's connection (socket.ts), when SLACK_APP_TOKEN is set. */
  private readonly socket?: SocketLink;
  private readonly log: Logger;
  private context?: AdapterContext;
  private accepting = true;
  private connected = false;
  /** What /slack/events waits on: requests that come in while starting are held, not refused. */
  private readonly gate = new StartGate();
  private botUserId?: string;
  private botName = 'seedance';
  private readonly apiUrl: string;

  constructor(config: SlackConfig, deps: SlackAdapterDeps) {
    this.log = deps.log.child({ platform: 'slack' });
    this.apiUrl = config.apiUrl;
    const logger = boltLogger(this.log);
    const clientOptions = {
      slackApiUrl: config.apiUrl.endsWith('/') ? config.apiUrl : `${config.apiUrl}/`,
      retryConfig: { retries: deps.retries ?? 2, factor: 2, minTimeout: 250, maxTimeout: 2_000 },
      logger,
    };
    if (config.appToken) {
      this.mode = 'socket';
      // apps.connections.open goes to SLACK_API_URL too (clientOptions); socket.ts reconnects.
      const receiver = new SocketModeReceiver({ appToken: config.appToken, logger, autoReconnectEnabled: false, installerOptions: { clientOptions } });
      this.app = new App({ token: config.botToken, receiver, socketMode: true, clientOptions, logger, convoStore: false, deferInitialization: true });
      this.socket = new SocketLink(receiver.client, this.log, { ...DEFAULT_SOCKET_BACKOFF, ...deps.socketBackoff });
    } else {
      if (!config.signingSecret) throw new Error('Slack needs SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)');
      this.mode = 'http';
      this.receiver = new HTTPReceiver({ signingSecret: config.signingSecret, endpoints: [SLACK_EVENTS_PATH], logger });
      this.app = new App({ token: config.botToken, receiver: this.receiver, clientOptions, logger, convoStore: false, deferInitialization: true });
      this.httpRoute = slackEventsRoute({ receiver: this.receiver, gate: this.gate, log: this.log });
    }
    this.app.error(async (error) => {
      this.log.error('slack.unhandled_error', { error });
    });

    this.throttle = new StatusThrottle({ ...DEFAULT_THROTTLE, ...deps.throttle }, (error, terminal) =>
      this.log.warn('slack.status_update_failed', { terminal, error }),
    );
    this.port = new SlackPort({ client: this.app.client, log: this.log, throttle: this.throttle, botName: () => this.botName });

    const access: FileAccess = { botToken: config.botToken, apiUrl: clientOptions.slackApiUrl };
    const flow: Flow = {
      client: this.app.client,
      port: this.port,
      access,
      log: this.log,
      service: () => {
        if (!this.context) throw new Error('the Slack adapter has not started');
        return this.context.service;
      },
      accepting: () => this.accepting,
      botUserId: () => this.botUserId,
      botName: () => this.botName,
    };
    // Before any handler: one command is one job, whichever instance it reaches (claim.ts).
    const ownMemoryClaims = memoryClaims();
    this.app.use(claimFirst(() => this.context?.claims ?? ownMemoryClaims, this.log));
    registerCommand(this.app, flow);
    registerMention(this.app, flow);
    registerShortcut(this.app, flow);
    registerActions(this.app, flow);
    registerEditPrompt(this.app, flow);
    registerRemix(this.app, flow);
    registerSettings(this.app, flow);
    registerAppHome(this.app, flow);
  }

  async start(context: AdapterContext): Promise<void> {
    this.context = context;
    // auth.test: a bad token fails here, with Slack's reason.
    try {
      await this.app.init();
      const me = await this.app.client.auth.test();
      this.botUserId = me.user_id;
      if (me.user) this.botName = me.user;
    } catch (error) {
      const refusal = (error as { data?: { error?: string } }).data?.error;
      // Only an answer from Slack says the token is wrong; no answer at all is a network problem.
      throw new Error(
        refusal
          ? `Slack refused the bot token (${refusal}). Check SLACK_BOT_TOKEN.`
          : `Slack could not be reached at ${this.apiUrl} (${(error as Error).message}). Check the network and SLACK_API_URL.`,
      );
    }
    if (this.socket) {
      await this.socket.open().catch((error: unknown) => {
        throw new Error(`Slack Socket Mode could not connect (${describeSocketError(error)}). Check SLACK_APP_TOKEN (an app-level token with connections:write) and that Socket Mode is on in the app settings.`);
      });
    }
    this.connected = true;
    this.gate.open();
    this.log.info('slack.started', { mode: this.mode, botUserId: this.botUserId });
  }

  stopAccepting(): void {
    this.accepting = false;
  }

  async close(): Promise<void> {
    // The last status edits (terminal ones first) get a moment to land.
    await this.throttle.drain(2_000);
    this.throttle.close();
    if (this.socket && this.connected) await this.socket.close().catch((error: unknown) => this.log.warn('slack.stop_failed', { error }));
    this.connected = false;
    this.gate.close();
  }

  isConnected(): boolean {
    // In Socket Mode, only while the socket is up: /readyz is 503 until it is back.
    return this.connected && (this.socket?.isConnected() ?? true);
  }

  problem(): string | undefined {
    return this.connected ? this.socket?.problem() : undefined;
  }
}
