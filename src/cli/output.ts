/**
 * What the CLI prints: results on stdout, progress and errors on stderr, every line scrubbed of
 * the configured secrets. Errors are one line (a stack only with --verbose); exit codes are fixed.
 */
import { secretScrubber } from '../core/log.js';
import { problemDescriber, type CommandHints } from '../core/messages.js';
import type { Problem } from '../core/result.js';

/** 0 done; 1 refused, failed or a check failed; 2 bad usage or configuration; 130 interrupted (Ctrl-C). */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** An error the CLI reports as one line and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

let scrub: (value: unknown) => unknown = (value) => value;

/** Every value in `secrets` (and anything token-shaped) is masked in all output from now on. */
export function hideSecrets(secrets: readonly (string | undefined)[]): void {
  scrub = secretScrubber(secrets);
}

const clean = (text: string) => scrub(text) as string;

export const print = (text = '') => process.stdout.write(`${clean(text)}\n`);
export const note = (text = '') => process.stderr.write(`${clean(text)}\n`);
export const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(scrub(value), null, 2)}\n`);

/** The sentences the chat adapters use, pointing at the CLI's commands instead. */
export const CLI_HINTS: CommandHints = {
  help: 'Run `seedance plan --help` for the list.',
  cancel: 'cancel one with `seedance jobs cancel <id>`',
  jobs: '`seedance jobs` lists recent jobs.',
};
const describer = problemDescriber(CLI_HINTS, { maxChars: 100_000 });
export const describeProblem = (problem: Problem) => describer.problem(problem);

/** Problems as JSON: the code and params for scripts, the sentence for people. */
export const problemsJson = (problems: readonly Problem[]) => problems.map((p) => ({ ...p, message: describeProblem(p) }));

/** One line for an error; the stack too with --verbose. */
export function describeError(error: unknown, verbose: boolean): string {
  if (verbose && error instanceof Error && error.stack) return clean(error.stack);
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const oneLine = message.replace(/\s*\n\s*/g, ' ').trim();
  return clean(typeof code === 'string' && !(error instanceof CliError) && !oneLine.includes(code) ? `${oneLine} (${code})` : oneLine);
}

/** Columns padded to their widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export const usd = (value: number | undefined | null) => (value === undefined || value === null ? '-' : `$${Number(value.toFixed(4))}`);
