/** Which earlier references go with a remixed video, the prompt relabelled for the new job, and the ids people type. */
import { describe, expect, it } from 'vitest';
import { readJobId } from '../../../src/core/recall/job-id.js';
import { finishedGeneration, selectForRemix } from '../../../src/core/recall/remix.js';
import { remixOptions } from '../../../src/core/recall/recall.js';
import type { JobRecord } from '../../../src/core/jobs/job.js';
import { DEFAULT_OPTIONS } from '../../../src/core/request.js';

function job(duration: number | 'auto', prompt: string): JobRecord {
  return {
    id: 'k3m9qz',
    state: 'done',
    requester: { platform: 'slack', userId: 'U1', scopeId: 'T1' },
    destination: { platform: 'slack', channelId: 'C1' },
    request: { prompt, options: DEFAULT_OPTIONS },
    modelId: 'm',
    body: {},
    settings: { duration, aspectRatio: 'auto', audio: true, watermark: false, count: 2 },
    references: [
      { name: 'cat.png', label: '@Image1', kind: 'image', size: 1000 },
      { name: 'a.mp4', label: '@Video1', kind: 'video', size: 1000, durationSec: 6 },
      { name: 'b.mp4', label: '@Video2', kind: 'video', size: 1000, durationSec: 6 },
      { name: 'x.mp3', label: '@Audio1', kind: 'audio', size: 1000, durationSec: 3 },
    ],
    generations: [
      { id: 'g1', status: 'succeeded', delivery: 'delivered' },
      { id: 'g2', status: 'failed', delivery: 'failed' },
    ],
    reservation: { day: '2026-12-03', videoSeconds: 10, settled: true },
    createdAt: 0,
    updatedAt: 0,
    attempts: 1,
  };
}

describe('selectForRemix', () => {
  it('keeps the earlier references that fit beside the video, in order, and relabels the prompt in one pass', () => {
    const chosen = selectForRemix(job(5, '@Image1 and @Video1 then @Video2 to @Audio1 (@Video10 stays)'), 1);
    // 5 s of video + a.mp4's 6 s fit under 15 s; b.mp4's 6 s more would not.
    expect(chosen.kept).toEqual([0, 1, 3]);
    expect(chosen.leftOut).toEqual([{ name: 'b.mp4', label: '@Video2', reason: 'limits' }]);
    expect(chosen.prompt).toBe('@Image1 and @Video2 then b.mp4 to @Audio1 (@Video10 stays)');
  });

  it('carries the face marks of the references that go along, under their new labels', () => {
    const j = job(5, 'x');
    j.references[1]!.face = true;
    j.references[2]!.face = true; // left out: its mark goes too
    j.request = { ...j.request, options: { ...j.request.options, faces: ['@Video1', '@Video2'] } };
    const chosen = selectForRemix(j, 1);
    expect(chosen.faces).toEqual(['@Video2']);
    expect(remixOptions(j, chosen.faces)).toMatchObject({ mode: 'reference', frames: 'off', faces: ['@Video2'] });
    expect(remixOptions(j, [])).not.toHaveProperty('faces');
  });

  it('counts a video of auto length as the longest allowed, so no earlier video goes with it', () => {
    expect(selectForRemix(job('auto', 'x'), 1).kept).toEqual([0, 3]);
  });

  it('keeps none when the files could not be fetched again, and only those a retry names', () => {
    expect(selectForRemix(job(5, 'x'), 1, { available: false })).toMatchObject({ kept: [], leftOut: [{ reason: 'gone' }, { reason: 'gone' }, { reason: 'gone' }, { reason: 'gone' }] });
    expect(selectForRemix(job(5, 'x'), 1, { keep: [0] }).kept).toEqual([0]);
  });

  it('finds only finished videos by their number', () => {
    const j = job(5, 'x');
    expect(finishedGeneration(j, 1)?.id).toBe('g1');
    expect(finishedGeneration(j, 2)).toBeUndefined();
    expect(finishedGeneration(j, 0)).toBeUndefined();
    expect(finishedGeneration(j, 1.5)).toBeUndefined();
  });
});

describe('readJobId', () => {
  it('takes the id as status messages show it, and nothing else', () => {
    for (const text of ['k3m9qz', ' K3M9QZ ', '`k3m9qz`', 'Job `k3m9qz`', '#k3m9qz', 'job k3m9qz.']) expect(readJobId(text)).toBe('k3m9qz');
    for (const text of ['k3m9q', 'k3m9qzz', 'k3m9q0', 'k3m9ql', '<@U1>', '', `k3m9qz${' '.repeat(40)}`]) expect(readJobId(text)).toBeUndefined();
  });
});
