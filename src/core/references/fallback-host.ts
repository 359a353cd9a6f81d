/** Tries hosts in order; moves to the next only when one refuses with `reference.not_hostable`. */
import { isNotHostable } from './host-errors.js';
import type { HostedReference, Reference, ReferenceHost } from './types.js';

export class FallbackReferenceHost implements ReferenceHost {
  /** The first host's kind: the one configured; the others only stand in for it. */
  readonly kind: ReferenceHost['kind'];
  private readonly hosts: readonly [ReferenceHost, ...ReferenceHost[]];

  constructor(first: ReferenceHost, ...rest: ReferenceHost[]) {
    this.hosts = [first, ...rest];
    this.kind = first.kind;
  }

  async host(reference: Reference, options: { jobId: string; minLifetimeMs: number }): Promise<HostedReference> {
    let refusal: unknown;
    for (const host of this.hosts) {
      try {
        return await host.host(reference, options);
      } catch (error) {
        if (!isNotHostable(error)) throw error;
        refusal = error;
      }
    }
    throw refusal;
  }

  async release(jobId: string): Promise<void> {
    await Promise.all(this.hosts.map((host) => host.release?.(jobId)));
  }
}
