/**
 * Drives Bolt's HTTP endpoint as Slack does: requests signed with the signing secret (v0,
 * HMAC-SHA256 over `v0:{timestamp}:{body}`), slash commands form-encoded, events as JSON,
 * interactive payloads (shortcuts, block_actions, view_submission) as a form with `payload=`.
 */
import { createHmac } from 'node:crypto';

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SentRequest {
  status: number;
  body: string;
  /** Time until the response headers arrived (the acknowledgement), in ms. */
  ms: number;
}

export interface SendOptions {
  /** Seconds since the epoch to sign with (default now). */
  timestamp?: number;
  /** false: no signature headers at all. */
  signed?: boolean;
  /** Sign with another secret (a forged request). */
  secret?: string;
  headers?: Record<string, string>;
}

export class SlackSender {
  constructor(
    /** The full URL of the events endpoint, e.g. http://127.0.0.1:1234/slack/events. */
    readonly url: string,
    private readonly secret: string,
    private readonly defaults: { teamId: string; channel: string; user: string; responseUrl?: () => string } = { teamId: 'T1', channel: 'C1', user: 'U1' },
  ) {}

  async send(body: string, contentType: string, options: SendOptions = {}): Promise<SentRequest> {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = { 'content-type': contentType, ...options.headers };
    if (options.signed !== false) {
      headers['x-slack-request-timestamp'] = String(timestamp);
      headers['x-slack-signature'] = slackSignature(options.secret ?? this.secret, timestamp, body);
    }
    const started = performance.now();
    const response = await fetch(this.url, { method: 'POST', headers, body });
    const ms = performance.now() - started;
    return { status: response.status, body: await response.text(), ms };
  }

  /** A slash command (`/video …`). */
  command(text: string, fields: Record<string, string> = {}, options?: SendOptions): Promise<SentRequest> {
    const form = new URLSearchParams({
      token: 'legacy-verification-token',
      team_id: this.defaults.teamId,
      team_domain: 'fake',
      channel_id: this.defaults.channel,
      channel_name: 'general',
      user_id: this.defaults.user,
      user_name: 'ann',
      command: '/video',
      text,
      api_app_id: 'A1',
      response_url: this.defaults.responseUrl?.() ?? 'http://127.0.0.1:9/response',
      trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
      ...fields,
    });
    return this.send(form.toString(), 'application/x-www-form-urlencoded', options);
  }

  /** An Events API callback wrapping `event`. */
  event(event: Record<string, unknown>, options?: SendOptions & { eventId?: string }): Promise<SentRequest> {
    const body = JSON.stringify({
      token: 'legacy-verification-token',
      team_id: this.defaults.teamId,
      api_app_id: 'A1',
      type: 'event_callback',
      event_id: options?.eventId ?? `Ev${Math.random().toString(36).slice(2)}`,
      event_time: Math.floor(Date.now() / 1000),
      event,
    });
    return this.send(body, 'application/json', options);
  }

  urlVerification(challenge: string, options?: SendOptions): Promise<SentRequest> {
    return this.send(JSON.stringify({ token: 'legacy-verification-token', challenge, type: 'url_verification' }), 'application/json', options);
  }

  /** A shortcut, block_actions or view_submission payload. */
  interactive(payload: Record<string, unknown>, options?: SendOptions): Promise<SentRequest> {
    return this.send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded', options);
  }
}
