/**
 * The baseline the engine is compared with: what the seed pages do. Each job is enqueued with the
 * Oxen client and then polled on its own timer, GET /api/ai/queue/{id} every 5 s, until it ends;
 * a success is downloaded at once. No store, no event stream, no backoff.
 */
import type { GenerationRecord, JobRecord } from '../src/core/jobs/job.js';
import { modelFor } from '../src/core/models/catalog.js';
import type { OxenClient } from '../src/core/oxen/client.js';
import { TERMINAL_STATUSES } from '../src/core/oxen/types.js';
import type { CountingPort } from './lib.js';

export class PollingTracker {
  readonly errors: unknown[] = [];
  private readonly model = modelFor('fast', 'text').id;
  private timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly oxen: OxenClient,
    private readonly port: CountingPort,
    private readonly intervalMs = 5_000,
  ) {}

  async submit(prompt: string): Promise<void> {
    const ids = await this.oxen.enqueue({ model: this.model, prompt, num_generations: 1 });
    for (const id of ids) this.follow(id);
  }

  private follow(id: string): void {
    const timer = setTimeout(async () => {
      this.timers.delete(timer);
      try {
        const g = await this.oxen.getGeneration(id);
        if (g.status === 'succeeded' && g.result_url) {
          const result = await this.oxen.openResult(g.result_url);
          const generation: GenerationRecord = { id, status: 'succeeded', delivery: 'pending' };
          await this.port.uploadVideo({} as JobRecord, { generation, fileName: `${id}.mp4`, contentType: 'video/mp4', body: result.body });
          return;
        }
        if (TERMINAL_STATUSES.includes(g.status)) return;
      } catch (error) {
        this.errors.push(error);
      }
      this.follow(id);
    }, this.intervalMs);
    this.timers.add(timer);
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
