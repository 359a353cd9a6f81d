/** The settings of a job in a few words, for the status and result messages of every platform. */
import type { JobRecord } from './jobs/job.js';

/**
 * "720p · 8 s · audio on · 16:9 · 2 videos": what the model was asked to make (the job's effective
 * settings), or what the person asked for in a job saved before those were kept.
 */
export function settingsSummary(job: Pick<JobRecord, 'settings' | 'request'>): string {
  const asked = job.request.options;
  const made = job.settings;
  const resolution = made ? made.resolution : asked.resolution;
  const duration = made ? made.duration : asked.duration;
  const audio = made ? made.audio : asked.audio;
  const aspectRatio = made ? made.aspectRatio : asked.aspectRatio;
  const count = made ? made.count : asked.count;
  return [
    resolution ?? 'default resolution',
    duration === 'auto' ? 'length chosen by the model' : `${duration} s`,
    audio === undefined ? 'audio as the model decides' : audio ? 'audio on' : 'no audio',
    ...(aspectRatio !== 'auto' ? [aspectRatio] : []),
    ...(count > 1 ? [`${count} videos`] : []),
  ].join(' · ');
}
