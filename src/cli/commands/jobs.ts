/**
 * `seedance jobs [--state S] [--limit N] [--json] [id]` and `seedance jobs cancel <id>`: the bot's
 * own store (SQLite in DATA_DIR, or Redis at STORE_URL), read as the bot reads it; a cancel goes
 * through the service as an admin's would (at Oxen if it is running there, in the store if it waits).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliConfig } from '../../core/config.js';
import { describeFailure } from '../../core/messages.js';
import { phaseOf } from '../../core/jobs/engine.js';
import { isTerminal, JOB_STATES, type JobRecord, type JobState } from '../../core/jobs/job.js';
import type { JobView } from '../../core/jobs/ports.js';
import { openJobStore } from '../../core/jobs/open-store.js';
import type { JobStore } from '../../core/jobs/store.js';
import { findModel } from '../../core/models/catalog.js';
import { openReferenceStore } from '../../core/references/open-reference-store.js';
import { CliError, describeProblem, EXIT, print, printJson, problemsJson, table, usd } from '../output.js';
import { cliCore, OPERATOR } from '../wiring.js';

export const STATE_FILTERS = [...JOB_STATES, 'active'] as const;

export interface JobsFlags {
  state?: string;
  limit?: string;
  json?: boolean;
}

/** The bot's store; a DATA_DIR without the bot's file is a mistake, not an empty list. */
function openBotStore(config: CliConfig): JobStore {
  if (!config.store.url && !existsSync(join(resolve(config.store.dataDir), 'seedance-bot.sqlite'))) {
    throw new CliError(`No bot store in DATA_DIR (${resolve(config.store.dataDir)}): set DATA_DIR to the bot's, or STORE_URL to its Redis`, EXIT.usage);
  }
  return openJobStore(config.store);
}

/** How long the store has to answer before the command gives up (a wrong STORE_URL retries for ever). */
const STORE_ANSWER_MS = 10_000;

async function withStore<T>(config: CliConfig, use: (store: JobStore) => Promise<T>): Promise<T> {
  const store = openBotStore(config);
  try {
    let timer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([store.ping(), new Promise<false>((r) => (timer = setTimeout(() => r(false), STORE_ANSWER_MS)))]);
    clearTimeout(timer);
    if (!answered) throw new CliError(`The bot's store did not answer within ${STORE_ANSWER_MS / 1000} s: check ${config.store.url ? 'STORE_URL' : 'DATA_DIR'}`);
    return await use(store);
  } finally {
    await Promise.race([store.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000).unref())]);
  }
}

const owner = (job: JobRecord) => `${job.requester.platform}:${job.requester.displayName ?? job.requester.userId}`;
const modelOf = (job: JobRecord) => {
  const model = findModel(job.modelId);
  return model ? `${model.version} ${model.tier ?? ''} ${model.mode}`.replace('  ', ' ') : job.modelId;
};
const cost = (job: JobRecord) => `${usd(job.reservation.usd)} (${job.reservation.videoSeconds} s)`;
const when = (ms: number | undefined) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '-');
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export async function runJobsList(id: string | undefined, flags: JobsFlags, loadConfig: () => CliConfig): Promise<number> {
  const state = flags.state?.trim().toLowerCase();
  if (state !== undefined && !(STATE_FILTERS as readonly string[]).includes(state)) {
    throw new CliError(`--state ${flags.state} is not a job state: use one of ${STATE_FILTERS.join(', ')}`, EXIT.usage);
  }
  const limit = flags.limit === undefined ? 20 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError(`--limit ${flags.limit} must be a whole number from 1 to 1000`, EXIT.usage);
  const config = loadConfig();
  if (id !== undefined) return showJob(config, id, flags);

  const jobs = await withStore(config, async (store) => {
    const ids = state === 'active' ? await store.activeIds() : await store.recentIds(state ? 1000 : limit);
    const records = (await Promise.all(ids.map((jobId) => store.get(jobId)))).filter((j): j is JobRecord => j !== undefined);
    const matching = records.filter((j) => state === undefined || (state === 'active' ? !isTerminal(j.state) : j.state === (state as JobState)));
    return matching.sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
  });
  if (flags.json) {
    printJson(jobs.map((job) => ({ ...job, phase: phaseOf(job) })));
    return EXIT.ok;
  }
  if (jobs.length === 0) {
    print(`No jobs${state ? ` in state ${state}` : ''} in ${config.store.url ? 'the Redis store at STORE_URL' : `the SQLite store in ${resolve(config.store.dataDir)}`}.`);
    return EXIT.ok;
  }
  print(table(['ID', 'STATE', 'OWNER', 'MODEL', 'COST (EST.)', 'CREATED (UTC)', 'PROMPT'], jobs.map((j) => [j.id, phaseOf(j), owner(j), modelOf(j), cost(j), when(j.createdAt), clip(j.request.prompt.replace(/\s+/g, ' '), 50)])));
  return EXIT.ok;
}

async function showJob(config: CliConfig, id: string, flags: JobsFlags): Promise<number> {
  const result = await withService(config, (service) => service.status(id));
  if (!result.ok) {
    if (flags.json) printJson({ ok: false, problems: problemsJson(result.problems) });
    else print(result.problems.map(describeProblem).join('\n'));
    return EXIT.failed;
  }
  if (flags.json) printJson({ ...result.value.job, phase: result.value.phase, ...(result.value.position !== undefined ? { position: result.value.position } : {}) });
  else printView(result.value);
  return EXIT.ok;
}

function printView(view: JobView): void {
  const job = view.job;
  const lines: [string, string][] = [
    ['Job', job.id],
    ['State', `${view.phase}${view.position !== undefined ? `, #${view.position} in line` : ''}${view.elapsedSec !== undefined ? `, ${view.elapsedSec} s since it was sent to Oxen` : ''}`],
    ['Owner', `${owner(job)} (scope ${job.requester.scopeId})`],
    ['Channel', `${job.destination.platform} ${job.destination.channelId}${job.destination.threadId ? `, thread ${job.destination.threadId}` : ''}`],
    ['Model', job.modelId],
    ['Prompt', job.request.prompt],
    ['Settings', job.settings ? Object.entries(job.settings).map(([k, v]) => `${k} ${String(v)}`).join(', ') : '-'],
    ['References', job.references.map((r) => `${r.label} ${r.name} (${r.kind}, ${r.size} bytes)`).join('; ') || '-'],
    ['Cost (est.)', `${cost(job)}${job.reservation.settled ? ', settled' : ''}`],
    ['Created', when(job.createdAt)],
    ['Started', when(job.startedAt ?? job.submittedAt)],
    ['Ended', when(job.endedAt)],
    ['Attempts', String(job.attempts)],
  ];
  for (const g of job.generations) {
    lines.push(['Generation', `${g.id}: ${g.status}, delivery ${g.delivery}${g.deliveredAs ? ` (${g.deliveredAs})` : ''}${g.error ? `, error: ${g.error}` : ''}`]);
  }
  if (job.failure) lines.push(['Why it ended', describeFailure(job.failure)]);
  if (job.retryOf) lines.push(['Retry of', job.retryOf]);
  const width = Math.max(...lines.map(([k]) => k.length));
  for (const [key, value] of lines) print(`${key.padEnd(width)}  ${value}`);
}

/** The service on the bot's store and reference files: what a cancel from chat goes through. */
async function withService<T>(config: CliConfig, use: (service: ReturnType<typeof cliCore>['service']) => Promise<T>): Promise<T> {
  return withStore(config, async (store) => {
    const files = openReferenceStore(config.store);
    try {
      return await use(cliCore(config, { store, files }).service);
    } finally {
      await files.close().catch(() => undefined);
    }
  });
}

export async function runJobsCancel(id: string, flags: { json?: boolean }, loadConfig: () => CliConfig): Promise<number> {
  const config = loadConfig();
  const result = await withService(config, (service) => service.cancel(id, OPERATOR));
  if (!result.ok) {
    if (flags.json) printJson({ ok: false, problems: problemsJson(result.problems) });
    else print(result.problems.map(describeProblem).join('\n'));
    return EXIT.failed;
  }
  const job = result.value.job;
  if (flags.json) printJson({ ok: true, id: job.id, state: job.state, phase: result.value.phase, generations: job.generations.map((g) => ({ id: g.id, status: g.status })) });
  else if (job.state === 'cancelled') print(`Job ${job.id} is cancelled.`);
  else {
    const ids = job.generations.map((g) => g.id).join(', ');
    print(`Asked Oxen to cancel job ${job.id}${ids ? ` (generation ${ids})` : ''}; the bot that follows it ends it and updates its status message.`);
  }
  return EXIT.ok;
}
