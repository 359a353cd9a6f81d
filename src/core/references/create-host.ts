/**
 * The configured reference host, with the others that are available as fallbacks. The 'oxen' host
 * is built elsewhere (oxen-host.ts) and passed in, so this module does not depend on the Oxen client.
 */
import { BotError } from '../errors.js';
import { FallbackReferenceHost } from './fallback-host.js';
import { PassthroughReferenceHost } from './passthrough-host.js';
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
}

/**
 * passthrough -> self -> oxen; self -> oxen; oxen alone. Passthrough refuses every file without a
 * usable public URL (all Slack files), so it is only safe with a fallback.
 */
export function createReferenceHost(choice: ReferenceHostChoice): ReferenceHost {
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
