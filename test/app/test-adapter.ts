/**
 * A PlatformAdapter for tests, around the RecordingPort: it "connects" on start, takes commands
 * from the test (or over its HTTP route, `POST /test/submit`), and answers "restarting" once
 * stopAccepting() has been called, as the real adapters do.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdapterContext, PlatformAdapter } from '../../src/core/adapter.js';
import type { IncomingAttachment } from '../../src/core/references/types.js';
import { DEFAULT_OPTIONS } from '../../src/core/request.js';
import type { Result } from '../../src/core/result.js';
import type { Submitted, VideoService } from '../../src/core/service.js';
import { RecordingPort } from '../helpers/recording-port.js';

export class TestAdapter implements PlatformAdapter {
  readonly platform = 'discord' as const;
  readonly port = new RecordingPort();
  readonly calls: string[] = [];
  connected = false;
  accepting = false;
  service?: VideoService;
  /** Set to make start() reject, as a bad token would. */
  startError?: Error;

  async start(context: AdapterContext): Promise<void> {
    this.calls.push('start');
    if (this.startError) throw this.startError;
    this.service = context.service;
    this.connected = true;
    this.accepting = true;
  }

  stopAccepting(): void {
    this.calls.push('stopAccepting');
    this.accepting = false;
  }

  async close(): Promise<void> {
    this.calls.push('close');
    this.connected = false;
  }

  isConnected(): boolean {
    return this.connected;
  }

  readonly httpRoute = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.url !== '/test/submit' || req.method !== 'POST') return false;
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const { prompt } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { prompt: string };
    const answer = await this.submit(prompt);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer === 'restarting' ? { restarting: true } : answer.ok ? { id: answer.value.job.id } : { problems: answer.problems }));
    return true;
  };

  /** A command from a person: `/video <prompt>` with these files. */
  async submit(prompt: string, attachments: readonly IncomingAttachment[] = [], user = 'user-1'): Promise<Result<Submitted> | 'restarting'> {
    if (!this.accepting || !this.service) return 'restarting';
    return this.service.submit({
      request: { prompt, options: DEFAULT_OPTIONS },
      attachments,
      requester: { platform: 'discord', userId: user, scopeId: 'guild-1' },
      destination: { platform: 'discord', channelId: 'channel-1' },
    });
  }
}
