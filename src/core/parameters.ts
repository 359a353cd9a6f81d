/**
 * What the Parameters button shows, as name/value pairs, for every platform: each adapter only
 * formats them (Discord markdown, Slack mrkdwn), so the two cannot show different things.
 */
import type { JobRecord } from './jobs/job.js';

export interface Parameter {
  name: string;
  value: string;
}

export function jobParameters(job: Pick<JobRecord, 'request'>): Parameter[] {
  const o = job.request.options;
  return [
    { name: 'tier', value: o.tier },
    { name: 'mode', value: o.mode },
    { name: 'resolution', value: o.resolution ?? 'default' },
    { name: 'duration', value: String(o.duration) },
    { name: 'aspect ratio', value: o.aspectRatio },
    { name: 'audio', value: o.audio === undefined ? 'default' : o.audio ? 'on' : 'off' },
    { name: 'watermark', value: o.watermark ? 'on' : 'off' },
    { name: 'count', value: String(o.count) },
    { name: 'frames', value: o.frames },
    ...(o.faces && o.faces.length > 0 ? [{ name: 'faces', value: o.faces.join(',') }] : []),
  ];
}
