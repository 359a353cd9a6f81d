/** Fault switches of the fake: the next N requests (optionally to one route) misbehave. */

export type RouteName =
  | 'enqueue'
  | 'getGeneration'
  | 'listGenerations'
  | 'showGeneration'
  | 'listQueue'
  | 'cancel'
  | 'listModels'
  | 'getModel'
  | 'events'
  | 'whoAmI'
  | 'getRepo'
  | 'createRepo'
  | 'upload'
  | 'presign'
  | 'repoFile'
  | 'unknown';

export type FaultAction =
  /** Answer with this status, headers and body (JSON unless a string). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  /** Read the request, then never answer. */
  | { kind: 'hang' }
  /** Read the request, then destroy the connection without a response. */
  | { kind: 'destroy' }
  /**
   * Handle the request as usual (an enqueue makes its generations), then lose the answer: the
   * connection is destroyed, never answered, or answered with this status instead.
   */
  | { kind: 'lost'; answer: 'destroy' | 'hang' | { status: number; body?: unknown } };

interface PendingFault {
  action: FaultAction;
  route: RouteName | undefined;
  remaining: number;
}

export class FaultQueue {
  private readonly pending: PendingFault[] = [];

  add(action: FaultAction, count = 1, route?: RouteName): void {
    if (count > 0) this.pending.push({ action, route, remaining: count });
  }

  /** The fault the next request to `route` suffers, if any (consumes one). */
  take(route: RouteName): FaultAction | undefined {
    const index = this.pending.findIndex((f) => f.route === undefined || f.route === route);
    if (index < 0) return undefined;
    const fault = this.pending[index] as PendingFault;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.pending.splice(index, 1);
    return fault.action;
  }

  clear(): void {
    this.pending.length = 0;
  }
}
