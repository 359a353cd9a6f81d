import { describe, expect, it } from 'vitest';
import { FairQueue } from '../../../src/core/jobs/fair-queue.js';

const job = (id: string) => ({ id });

describe('FairQueue', () => {
  it('serves users in turn, not in arrival order', () => {
    const queue = new FairQueue<{ id: string }>();
    for (const id of ['a1', 'a2', 'a3']) queue.push('alice', job(id));
    queue.push('bob', job('b1'));
    queue.push('carol', job('c1'));
    queue.push('bob', job('b2'));
    expect([...queue.positions()]).toEqual([['a1', 1], ['b1', 2], ['c1', 3], ['a2', 4], ['b2', 5], ['a3', 6]]);
    const served: string[] = [];
    for (let next = queue.shift(); next; next = queue.shift()) served.push(next.id);
    expect(served).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
    expect(queue.size).toBe(0);
  });

  it('puts a user who comes back at the end of the line', () => {
    const queue = new FairQueue<{ id: string }>();
    queue.push('alice', job('a1'));
    queue.push('bob', job('b1'));
    expect(queue.shift()?.id).toBe('a1');
    queue.push('alice', job('a2'));
    expect(queue.peek()?.id).toBe('b1');
    expect([...queue.positions().keys()]).toEqual(['b1', 'a2']);
  });

  it('removes a cancelled job and forgets a user with none left', () => {
    const queue = new FairQueue<{ id: string }>();
    queue.push('alice', job('a1'));
    queue.push('bob', job('b1'));
    expect(queue.remove('a1')).toBe(true);
    expect(queue.remove('a1')).toBe(false);
    expect(queue.size).toBe(1);
    expect(queue.shift()?.id).toBe('b1');
    expect(queue.shift()).toBeUndefined();
  });

  it('queues an item once, and its positions stay consistent', () => {
    const queue = new FairQueue<{ id: string }>();
    const a1 = job('a1');
    queue.push('alice', a1);
    queue.push('alice', a1);
    queue.push('bob', job('b1'));
    expect(queue.size).toBe(2);
    expect([...queue.positions()]).toEqual([['a1', 1], ['b1', 2]]);
    expect(queue.shift()?.id).toBe('a1');
    expect([...queue.positions()]).toEqual([['b1', 1]]);
    expect(queue.remove('b1')).toBe(true);
    expect(queue.size).toBe(0);
    expect(queue.positions().size).toBe(0);
  });
});
