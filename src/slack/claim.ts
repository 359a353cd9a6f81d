/**
 * The first step for everything Slack sends (Bolt global middleware): claim it in the store, so
 * an event and its retries (`X-Slack-Retry-Num`, same event_id), or a command, shortcut, button
 * or form replayed to another instance or after a restart, is handled once. The instance that
 * loses the claim acknowledges quietly (Slack must not retry) and does nothing else.
 */
import { createHash } from 'node:crypto';
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { ClaimKind, Claims } from '../core/claims.js';
import type { Logger } from '../core/log.js';
import { SOMETHING_WENT_WRONG } from './flow.js';
import { isStoreUnreachable, STORE_UNREACHABLE_TEXT } from '../core/jobs/store-unreachable.js';

interface SlackBody {
  type?: unknown;
  event_id?: unknown;
  trigger_id?: unknown;
  command?: unknown;
  view?: { id?: unknown; hash?: unknown; state?: unknown };
}

const BY_TYPE: Partial<Record<string, ClaimKind>> = {
  block_actions: 'slack:action',
  message_action: 'slack:shortcut',
  shortcut: 'slack:shortcut',
  view_submission: 'slack:view',
};

/** What a request is and the id Slack gives it once (kept on retries), or undefined when it has none to claim. */
export function claimOf(body: SlackBody): { kind: ClaimKind; id: string } | undefined {
  const id = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  if (body.type === 'event_callback') {
    const eventId = id(body.event_id);
    return eventId ? { kind: 'slack:event', id: eventId } : undefined;
  }
  const kind = typeof body.type === 'string' ? BY_TYPE[body.type] : typeof body.command === 'string' ? 'slack:command' : undefined;
  const triggerId = id(body.trigger_id);
  if (kind && triggerId) return { kind, id: triggerId };
  // A form submission without a trigger_id: the form and exactly what was submitted (a corrected
  // resubmission of the same form is another submission).
  const view = body.view;
  if (kind === 'slack:view' && view && id(view.id)) {
    const content = createHash('sha256').update(JSON.stringify([view.hash ?? '', view.state ?? null])).digest('hex');
    return { kind, id: `${view.id}:${content}` };
  }
  return undefined;
}

export function claimFirst(claims: () => Claims, log: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const what = claimOf(args.body as SlackBody);
    if (!what) return args.next();
    // Events were acknowledged by Bolt already; everything else is acknowledged here when not handled.
    const ack = 'ack' in args && typeof args.ack === 'function' ? (args.ack as (answer?: unknown) => Promise<void>) : undefined;
    let mine: boolean;
    try {
      mine = await claims().claimOnce(what.kind, what.id);
    } catch (error) {
      // The store did not answer: nothing is started, and a command says so.
      log.error('slack.claim_failed', { kind: what.kind, error });
      await ack?.(what.kind === 'slack:command' ? { response_type: 'ephemeral', text: isStoreUnreachable(error) ? STORE_UNREACHABLE_TEXT : SOMETHING_WENT_WRONG } : undefined);
      return;
    }
    if (!mine) {
      log.info('slack.already_claimed', { kind: what.kind, id: what.id, retry: args.context.retryNum });
      await ack?.();
      return;
    }
    await args.next();
  };
}
