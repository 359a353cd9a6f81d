/** What the Slack adapter claims for each kind of request it receives (src/slack/claim.ts). */
import { describe, expect, it } from 'vitest';
import { claimOf } from '../../src/slack/claim.js';
import { blockAction, messageShortcut, viewSubmission } from '../fakes/slack/payloads.js';

describe('claimOf', () => {
  it('an event by its event_id, the same for its retries', () => {
    expect(claimOf({ type: 'event_callback', event_id: 'Ev123' })).toEqual({ kind: 'slack:event', id: 'Ev123' });
    expect(claimOf({ type: 'url_verification' })).toBeUndefined();
    expect(claimOf({ type: 'event_callback' })).toBeUndefined();
  });

  it('a command, a shortcut, a button and a form by their trigger_id', () => {
    expect(claimOf({ command: '/video', trigger_id: 't1' })).toEqual({ kind: 'slack:command', id: 't1' });
    const shortcut = messageShortcut({ callbackId: 'make_video', user: 'U1', channel: 'C1', message: { ts: '1.2' }, responseUrl: 'http://127.0.0.1:9/r' });
    expect(claimOf(shortcut)).toEqual({ kind: 'slack:shortcut', id: shortcut.trigger_id });
    const button = blockAction({ user: 'U1', channel: 'C1', messageTs: '1.2', actionId: 'job_retry', value: 'abc234', responseUrl: 'http://127.0.0.1:9/r' });
    expect(claimOf(button)).toEqual({ kind: 'slack:action', id: button.trigger_id });
    const form = viewSubmission({ user: 'U1', callbackId: 'make_video_modal', privateMetadata: '{}', values: {} });
    expect(claimOf(form)).toEqual({ kind: 'slack:view', id: form.trigger_id });
  });

  it('a form without a trigger_id by the form and what was submitted: a corrected resubmission is another one', () => {
    const submitted = (prompt: string) => {
      const { trigger_id: _, ...form } = viewSubmission({ user: 'U1', callbackId: 'make_video_modal', privateMetadata: '{}', values: { prompt: { value: { value: prompt } } } });
      return form;
    };
    const first = claimOf(submitted('a fox'));
    expect(first).toMatchObject({ kind: 'slack:view', id: expect.stringMatching(/^V1:[0-9a-f]{64}$/) });
    expect(claimOf(submitted('a fox'))).toEqual(first);
    expect(claimOf(submitted('a fox in snow'))).not.toEqual(first);
  });
});
