/**
 * `seedance generate <prompt and flags> [--file PATH]... --out PATH`: one job through the bot's
 * own core. service.submit checks and plans it; the engine hosts the references, enqueues it,
 * follows it over the completion stream with the queue listing as the safety net, and streams the
 * result into PATH (TerminalPort). The job record lives in a private store of this run, never in
 * the bot's. Ctrl-C asks whether to cancel at Oxen (--cancel-on-exit: cancels without asking).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { CliConfig } from '../../core/config.js';
import { describeFailure } from '../../core/messages.js';
import { isTerminal, type JobRecord } from '../../core/jobs/job.js';
import { SqliteJobStore } from '../../core/jobs/store-sqlite.js';
import { createMediaConverter } from '../../core/media/converter.js';
import { openReferenceStore } from '../../core/references/open-reference-store.js';
import { MemoryReferenceStore } from '../../core/references/reference-store-memory.js';
import { CliError, describeError, describeProblem, EXIT, note, print, printJson, problemsJson } from '../output.js';
import { createProgress } from '../progress.js';
import { attachmentsFromFiles, requestFromWords } from '../request.js';
import { TerminalPort } from '../terminal-port.js';
import { cliCore, OPERATOR } from '../wiring.js';
import { describeEstimate } from './plan.js';

export interface GenerateFlags {
  file: string[];
  out: string;
  cancelOnExit?: boolean;
  json?: boolean;
  verbose?: boolean;
}

/** How often the status (the progress bar) is refreshed while Oxen works. */
const PROGRESS_MS = 1_000;

export async function runGenerate(words: readonly string[], flags: GenerateFlags, loadConfig: () => CliConfig): Promise<number> {
  const request = requestFromWords(words);
  if (!request.ok) return refused(flags, request.problems);
  const out = resolve(flags.out);
  if (!(await stat(dirname(out)).catch(() => undefined))?.isDirectory()) throw new CliError(`--out ${flags.out}: the folder ${dirname(out)} does not exist`, EXIT.usage);
  const attachments = await attachmentsFromFiles(flags.file);
  const config = loadConfig();

  const scratch = await mkdtemp(join(tmpdir(), 'seedance-cli-'));
  const store = new SqliteJobStore(scratch);
  // Self-hosted files are served by the running bot from its own reference store, so they go there.
  const files = config.referenceHosting === 'oxen' ? new MemoryReferenceStore() : openReferenceStore(config.store);
  const media = attachments.length > 0 ? createMediaConverter() : undefined;
  const progress = createProgress();
  const port = new TerminalPort(out, progress);
  let ended: (job: JobRecord) => void = () => undefined;
  const end = new Promise<JobRecord>((resolveEnd) => (ended = resolveEnd));
  let jobId: string | undefined;
  const core = cliCore(config, {
    store,
    files,
    port,
    ...(media ? { media } : {}),
    engine: { progressIntervalMs: PROGRESS_MS },
    events: { ended: (job) => job.id === jobId && ended(job) },
    onError: (error, { step }) => {
      if (flags.verbose) progress.say(`(${step}) ${describeError(error, true)}`);
    },
  });
  const interrupt = new Interrupt(flags.cancelOnExit === true, progress);
  try {
    await core.engine.start();
    interrupt.listen();
    const submitted = await core.service.submit({
      request: request.value,
      attachments,
      requester: { platform: OPERATOR.platform, userId: OPERATOR.userId, scopeId: OPERATOR.scopeId },
      destination: { platform: OPERATOR.platform, channelId: 'terminal' },
    });
    if (!submitted.ok) return refused(flags, submitted.problems);
    const job = submitted.value.job;
    jobId = job.id;
    // A job may end before jobId was set (a failure at once): its saved record says so.
    const saved = await store.get(job.id);
    if (saved && isTerminal(saved.state)) ended(saved);
    progress.say(`job ${job.id}: ${job.modelId}, ${describeEstimate({ videoSeconds: job.reservation.videoSeconds, ...(job.reservation.usd !== undefined ? { usd: job.reservation.usd } : {}) })}`);

    const outcome = await Promise.race([end.then((record) => ({ record })), interrupt.requested.then(() => ({ record: undefined }))]);
    if (!outcome.record) return await interrupt.handle(core.service, job.id, end);
    progress.stop();
    return report(outcome.record, port, flags);
  } finally {
    interrupt.stop();
    progress.stop();
    await core.engine.stop({ graceMs: 0 }).catch(() => undefined);
    media?.close();
    await files.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  }
}

function report(job: JobRecord, port: TerminalPort, flags: GenerateFlags): number {
  const cost = { videoSeconds: job.reservation.videoSeconds, usd: job.reservation.usd ?? null };
  if (flags.json) {
    printJson({ ok: job.state === 'done', job: job.id, state: job.state, model: job.modelId, generations: job.generations.map((g) => ({ id: g.id, status: g.status, ...savedFile(port, g.id) })), estimate: cost, ...(job.failure ? { failure: { ...job.failure, message: describeFailure(job.failure) } } : {}) });
  } else {
    for (const g of job.generations) {
      const file = port.saved.find((s) => s.generationId === g.id);
      const link = port.links.find((l) => l.generationId === g.id);
      print(`generation ${g.id}: ${g.status}${file ? `, saved to ${file.path} (${file.bytes} bytes)` : link ? `, at ${link.url}` : ''}`);
    }
    print(`cost: ${describeEstimate({ videoSeconds: cost.videoSeconds, ...(cost.usd !== null ? { usd: cost.usd } : {}) })} (the estimate held for job ${job.id})`);
    if (job.failure) print(`job ${job.id} ${job.state}: ${describeFailure(job.failure)}`);
  }
  return job.state === 'done' && port.saved.length > 0 ? EXIT.ok : EXIT.failed;
}

const savedFile = (port: TerminalPort, generationId: string) => {
  const file = port.saved.find((s) => s.generationId === generationId);
  return file ? { path: file.path, bytes: file.bytes } : {};
};

function refused(flags: GenerateFlags, problems: Parameters<typeof problemsJson>[0]): number {
  if (flags.json) printJson({ ok: false, problems: problemsJson(problems) });
  else {
    print('The video was not started (nothing was spent):');
    for (const problem of problems) print(`  - ${describeProblem(problem)}`);
  }
  return EXIT.failed;
}

/**
 * Ctrl-C while a job runs: with --cancel-on-exit it is cancelled at Oxen; otherwise the operator is
 * asked (a line on stdin: y cancels; anything else, the end of input or a second Ctrl-C leaves it
 * running at Oxen, still billed, and exits).
 */
class Interrupt {
  private resolveRequested: () => void = () => undefined;
  readonly requested = new Promise<void>((r) => (this.resolveRequested = r));
  private again: (() => void) | undefined;
  private readonly onSignal = () => {
    if (this.again) return this.again();
    this.resolveRequested();
  };

  constructor(
    private readonly cancelOnExit: boolean,
    private readonly progress: ReturnType<typeof createProgress>,
  ) {}

  listen(): void {
    process.on('SIGINT', this.onSignal);
  }

  stop(): void {
    process.off('SIGINT', this.onSignal);
  }

  async handle(service: ReturnType<typeof cliCore>['service'], jobId: string, end: Promise<JobRecord>): Promise<number> {
    this.progress.stop();
    const cancel = this.cancelOnExit || (await this.ask(`\nCancel job ${jobId} at Oxen? If it keeps running it is still billed. [y/N] `));
    if (!cancel) {
      note(`Left job ${jobId} running at Oxen; nothing here will save its video.`);
      return EXIT.interrupted;
    }
    const result = await service.cancel(jobId, OPERATOR);
    if (!result.ok) throw new CliError(result.problems.map(describeProblem).join(' '));
    const done = await Promise.race([end, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000).unref())]);
    const ids = result.value.job.generations.map((g) => g.id).join(', ');
    note(done?.state === 'cancelled' || result.value.job.state === 'cancelled' ? `Cancelled job ${jobId} at Oxen${ids ? ` (generation ${ids})` : ''}.` : `Asked Oxen to cancel job ${jobId}${ids ? ` (generation ${ids})` : ''}.`);
    return EXIT.interrupted;
  }

  private ask(question: string): Promise<boolean> {
    return new Promise((resolveAnswer) => {
      const lines = createInterface({ input: process.stdin, terminal: false });
      let answered = false;
      const answer = (yes: boolean) => {
        if (answered) return;
        answered = true;
        this.again = undefined;
        lines.close();
        process.stdin.pause();
        resolveAnswer(yes);
      };
      this.again = () => answer(false);
      process.stderr.write(question);
      lines.once('line', (line) => answer(/^\s*y(es)?\s*$/i.test(line)));
      lines.once('close', () => answer(false));
    });
  }
}
