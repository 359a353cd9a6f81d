/** The settings of a job in a few words, for the status and result messages of every platform. */
import type { GenerationRecord, JobRecord } from './jobs/job.js';

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

/** " (2 of 3)" for one video of a job that asked for several; empty for a job of one. */
export function videoOrdinal(job: Pick<JobRecord, 'generations'>, generation: Pick<GenerationRecord, 'id'>): string {
  const of = job.generations.length;
  const index = job.generations.findIndex((g) => g.id === generation.id) + 1;
  return of > 1 && index > 0 ? ` (${index} of ${of})` : '';
}

/**
 * For a job of several videos that ended with some made and some not: how many, and that the
 * allowance for those not made was given back (budget.ts refundShare). Undefined otherwise.
 */
export function shortfallNote(job: Pick<JobRecord, 'generations'>): string | undefined {
  const asked = job.generations.length;
  const notMade = job.generations.filter((g) => g.status !== 'succeeded').length;
  if (asked < 2 || notMade === 0 || notMade === asked) return undefined;
  const others = notMade === 1 ? 'the other one was not made and its' : `the other ${notMade} were not made and their`;
  return `${asked - notMade} of ${asked} videos were made; ${others} share of the allowance was given back.`;
}

/** The prompt the model receives: every file named, labels renumbered for faces (job.body.prompt). */
export function promptSent(job: Pick<JobRecord, 'body' | 'request'>): string {
  const sent = job.body['prompt'];
  return typeof sent === 'string' && sent !== '' ? sent : job.request.prompt;
}

export interface ShownReference {
  label: string;
  name: string;
  note?: string;
  face?: boolean;
  sentAs?: string;
}

/** The label people see next to a file: the one in the prompt the model receives. */
export const shownLabel = (r: ShownReference) => r.sentAs ?? r.label;

/** What to say after a file's name: conversion, "real face", and the person's own label when the model's differs. */
export function referenceNotes(r: ShownReference): string[] {
  return [...(r.note ? [r.note] : []), ...(r.face ? ['real face'] : []), ...(r.sentAs ? [`your ${r.label}`] : [])];
}
