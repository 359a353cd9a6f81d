/**
 * Counts calls into the service that are still running (a submit downloading its files, say), so
 * a shutdown can let them finish before the engine and the store go away.
 */
export interface InFlight<T extends object> {
  /** The same object; its async methods are counted while they run. */
  readonly target: T;
  readonly count: number;
  /** Resolves when no call is running. */
  idle(): Promise<void>;
}

export function trackInFlight<T extends object>(object: T): InFlight<T> {
  let count = 0;
  let waiters: (() => void)[] = [];
  const settle = () => {
    count--;
    if (count === 0) {
      for (const wake of waiters) wake();
      waiters = [];
    }
  };
  const target = new Proxy(object, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(obj, args);
        if (!(result instanceof Promise)) return result;
        count++;
        return result.finally(settle);
      };
    },
  });
  return {
    target,
    get count() {
      return count;
    },
    idle: () => (count === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
  };
}
