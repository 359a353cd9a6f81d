/**
 * What the Parameters button shows, as name/value pairs, for every platform: each adapter only
 * formats them (Discord markdown, Slack mrkdwn), so the two cannot show different things.
 */
import type { JobRecord } from './jobs/job.js';
import { chargedText, estimateText } from './cost-view.js';
import { DEFAULT_VERSION } from './request.js';

export interface Parameter {
  name: string;
  value: string;
}

/**
 * The seed as it was sent: typed by the person (Retry keeps it), drawn by the bot (Retry draws a
 * new one), or none (the model's schema takes none, so the model chooses and it cannot be repeated).
 */
function seedValue(job: Pick<JobRecord, 'request'>): string {
  const seed = job.request.options.seed;
  if (seed === undefined) return 'none (the model takes no seed)';
  return job.request.given?.includes('seed') ? `${seed} (given)` : `${seed} (drawn; Retry draws another)`;
}

export function jobParameters(job: Pick<JobRecord, 'request'> & Partial<Pick<JobRecord, 'reservation' | 'settings' | 'generations'>>): Parameter[] {
  const o = job.request.options;
  const charged = job.generations ? chargedText({ generations: job.generations }) : undefined;
  return [
    { name: 'version', value: o.version ?? DEFAULT_VERSION },
    { name: 'tier', value: (o.version ?? DEFAULT_VERSION) === '2.0' ? o.tier : 'single (2.5)' },
    { name: 'mode', value: o.mode },
    { name: 'resolution', value: o.resolution ?? 'default' },
    { name: 'duration', value: String(o.duration) },
    { name: 'aspect ratio', value: o.aspectRatio },
    { name: 'audio', value: o.audio === undefined ? 'default' : o.audio ? 'on' : 'off' },
    { name: 'watermark', value: o.watermark ? 'on' : 'off' },
    { name: 'count', value: String(o.count) },
    { name: 'frames', value: o.frames },
    ...(o.faces && o.faces.length > 0 ? [{ name: 'faces', value: o.faces.join(',') }] : []),
    { name: 'seed', value: seedValue(job) },
    ...(job.reservation ? [{ name: 'estimate', value: estimateText({ reservation: job.reservation, request: job.request, ...(job.settings ? { settings: job.settings } : {}) }).replace(/^Estimate: /, '') }] : []),
    ...(charged ? [{ name: 'cost', value: charged.replace(/^Cost: /, '') }] : []),
  ];
}
