/**
 * The configured reference host, with the others that are available as fallbacks. The 'oxen' host
 * is built elsewhere (oxen-host.ts) and passed in, so this module does not depend on the Oxen client.
 */
import { BotError } from '../errors.js';
import { FallbackReferenceHost } from './fallback-host.js';
import { PassthroughReferenceHost } from './passthrough-host.js';
import type { ReferenceStore } from './reference-store.js';
import type { SelfReferenceHost } from './self-host.js';
import type { ReferenceHost } from './types.js';

export interface ReferenceHostChoice {
  /** Config.referenceHosting. */
  kind: ReferenceHost['kind'];
  /** Required for 'self'; a fallback for 'passthrough'. */
  self?: SelfReferenceHost;
  /** Required for 'oxen'; a fallback for 'self' (when its memory is full) and 'passthrough'. */
  oxen?: ReferenceHost;
  passthrough?: PassthroughReferenceHost;
  /** Where jobs' files wait (see ReferenceStore): whatever the host, they are removed when the job ends. */
  files?: ReferenceStore;
}

/**
 * passthrough -> self -> oxen; self -> oxen; oxen alone. Passthrough refuses every file without a
 * usable public URL (all Slack files), so it is only safe with a fallback.
 */
export function createReferenceHost(choice: ReferenceHostChoice): ReferenceHost {
  const host = chooseHost(choice);
  return choice.files ? new RemovingStoredFiles(host, choice.files) : host;
}

/** Releasing a job also drops its saved files, whichever host served them (the oxen host never reads them). */
class RemovingStoredFiles implements ReferenceHost {
  readonly kind: ReferenceHost['kind'];

  constructor(
    private readonly inner: ReferenceHost,
    private readonly files: ReferenceStore,
  ) {
    this.kind = inner.kind;
  }

  host(...args: Parameters<ReferenceHost['host']>): ReturnType<ReferenceHost['host']> {
    return this.inner.host(...args);
  }

  async release(jobId: string): Promise<void> {
    await Promise.all([this.inner.release?.(jobId), this.files.remove(jobId)]);
  }
}

function chooseHost(choice: ReferenceHostChoice): ReferenceHost {
  const missing = (what: string) => new BotError('reference.host_missing', `reference hosting '${choice.kind}' needs ${what}`);
  switch (choice.kind) {
    case 'self':
      if (!choice.self) throw missing('a SelfReferenceHost (PUBLIC_BASE_URL)');
      return choice.oxen ? new FallbackReferenceHost(choice.self, choice.oxen) : choice.self;
    case 'oxen':
      if (!choice.oxen) throw missing('an Oxen reference host');
      return choice.oxen;
    case 'passthrough': {
      const fallbacks = [choice.self, choice.oxen].filter((host): host is ReferenceHost => host !== undefined);
      return new FallbackReferenceHost(choice.passthrough ?? new PassthroughReferenceHost(), ...fallbacks);
    }
  }
}
