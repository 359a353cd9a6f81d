/** A minimal waiting text-to-video job record, for the store tests; fields are overridden as needed. */
import { newJobId, type JobRecord } from '../../src/core/jobs/job.js';
import { DEFAULT_OPTIONS } from '../../src/core/request.js';

export function jobRecord(overrides: Partial<JobRecord> = {}): JobRecord {
  const now = overrides.createdAt ?? Date.now();
  return {
    id: newJobId(),
    state: 'waiting',
    requester: { platform: 'discord', userId: 'u1', scopeId: 'g1' },
    destination: { platform: 'discord', channelId: 'c1' },
    request: { prompt: 'a fox', options: DEFAULT_OPTIONS },
    modelId: 'bytedance-seedance-2-0-fast-text-to-video',
    body: { model: 'bytedance-seedance-2-0-fast-text-to-video', prompt: 'a fox' },
    references: [],
    generations: [],
    reservation: { day: new Date(now).toISOString().slice(0, 10), videoSeconds: 15, settled: false },
    createdAt: now,
    updatedAt: now,
    attempts: 0,
    ...overrides,
  };
}
