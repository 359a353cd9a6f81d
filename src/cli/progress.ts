/**
 * How `generate` shows a job moving: a progress bar on a terminal (cli-progress, on stderr), plain
 * timestamped lines when stderr is not a terminal (logs, CI, pipes). The bar counts the steps a
 * job goes through; while the video is saved it counts bytes.
 */
import cliProgress from 'cli-progress';
import type { JobPhase } from '../core/jobs/ports.js';
import { note } from './output.js';

const STEPS: readonly JobPhase[] = ['waiting', 'submitting', 'queued', 'processing', 'delivering', 'done'];
const WORDS: Partial<Record<JobPhase, string>> = {
  waiting: 'waiting for a free slot',
  submitting: 'sending to Oxen',
  queued: 'queued at Oxen',
  processing: 'Oxen is making the video',
  delivering: 'saving the video',
};

export interface Progress {
  phase(phase: JobPhase, elapsedSec?: number): void;
  bytes(written: number, total?: number): void;
  /** A line of its own (above the bar on a terminal). */
  say(text: string): void;
  stop(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? new BarProgress(stream) : new LineProgress();
}

class LineProgress implements Progress {
  private last?: JobPhase;
  private lastElapsedLine = 0;

  phase(phase: JobPhase, elapsedSec?: number): void {
    const word = WORDS[phase];
    if (!word) return;
    // A new phase, or every 30 s of the same one: enough to see it is alive, without flooding logs.
    if (phase === this.last && (elapsedSec === undefined || elapsedSec - this.lastElapsedLine < 30)) return;
    this.last = phase;
    this.lastElapsedLine = elapsedSec ?? 0;
    this.say(`${word}${elapsedSec !== undefined ? ` (${elapsedSec} s)` : ''}`);
  }

  bytes(): void {}

  say(text: string): void {
    note(`[${new Date().toISOString().slice(11, 19)}] ${text}`);
  }

  stop(): void {}
}

class BarProgress implements Progress {
  private readonly bar: cliProgress.SingleBar;
  private started = false;
  /** Stopped for good: the outcome is being printed, and a late status edit must not draw over it. */
  private finished = false;
  private current: JobPhase = 'waiting';

  constructor(stream: NodeJS.WriteStream) {
    this.bar = new cliProgress.SingleBar({ format: '{bar} {step} {detail}', hideCursor: true, clearOnComplete: true, stream, barsize: 24 }, cliProgress.Presets.shades_classic);
  }

  phase(phase: JobPhase, elapsedSec?: number): void {
    const index = STEPS.indexOf(phase);
    if (index < 0 || this.finished) return;
    this.current = phase;
    const payload = { step: WORDS[phase] ?? phase, detail: elapsedSec !== undefined ? `${elapsedSec} s` : '' };
    if (!this.started) {
      this.started = true;
      this.bar.start(STEPS.length - 1, index, payload);
    } else this.bar.update(index, payload);
  }

  bytes(written: number, total?: number): void {
    if (!this.started || this.finished || this.current !== 'delivering') return;
    const share = total ? Math.min(1, written / total) : 0;
    this.bar.update(STEPS.indexOf('delivering') + share, { step: WORDS.delivering, detail: `${(written / 1024 / 1024).toFixed(1)} MB` });
  }

  say(text: string): void {
    if (this.started) this.bar.stop();
    note(text);
    if (this.started) this.bar.start(STEPS.length - 1, STEPS.indexOf(this.current), { step: WORDS[this.current] ?? this.current, detail: '' });
  }

  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
    this.finished = true;
  }
}
