/**
 * Both adapters say how long the bot waited, from the job's own failure (JOB_TIMEOUT_MINUTES),
 * not a fixed 30 minutes. Pure rendering: no platform needed.
 */
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/core/jobs/job.js';
import type { JobView } from '../../src/core/jobs/ports.js';
import { DEFAULT_OPTIONS } from '../../src/core/request.js';
import { phaseLine as discordPhase } from '../../src/discord/render.js';
import { phaseLine as slackPhase } from '../../src/slack/render.js';

const job: JobRecord = {
  id: 'k3m9qz',
  state: 'timed_out',
  requester: { platform: 'slack', userId: 'U1', scopeId: 'T1' },
  destination: { platform: 'slack', channelId: 'C1' },
  request: { prompt: 'a fox', options: DEFAULT_OPTIONS },
  modelId: 'bytedance/seedance-2-fast-text-to-video',
  body: {},
  references: [],
  generations: [],
  reservation: { day: '2026-11-21', videoSeconds: 15, settled: true },
  createdAt: 0,
  updatedAt: 0,
  attempts: 1,
  failure: { code: 'job.timed_out', limitMinutes: 45 },
};
const view: JobView = { job, phase: 'timed_out', failure: job.failure! };

describe('a timed-out job', () => {
  it.each([
    ['Discord', discordPhase],
    ['Slack', slackPhase],
  ])('%s names the configured deadline', (_name, phaseLine) => {
    expect(phaseLine(view)).toContain('45 minutes');
    expect(phaseLine(view)).not.toContain('30 minutes');
  });
});
