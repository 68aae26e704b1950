import { Backoff } from '../../src/cef/sinks/backoff';
import { BoundedQueue } from '../../src/cef/sinks/bounded-queue';

test('Backoff doubles from 100 ms up to 30 s and starts over after reset()', () => {
  const backoff = new Backoff();
  const delays = Array.from({ length: 12 }, () => backoff.next());
  expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000]);
  backoff.reset();
  expect(backoff.next()).toBe(100);
});

describe('BoundedQueue', () => {
  test('is FIFO, refuses beyond its limit and counts the refusals', () => {
    const queue = new BoundedQueue<number>(3);
    expect([1, 2, 3, 4, 5].map((n) => queue.push(n))).toEqual([true, true, true, false, false]);
    expect(queue.takeDropped()).toBe(2);
    expect(queue.takeDropped()).toBe(0);
    expect([queue.shift(), queue.shift()]).toEqual([1, 2]);
    queue.putBack(2);
    expect(queue.length).toBe(2);
    expect([queue.shift(), queue.shift(), queue.shift()]).toEqual([2, 3, undefined]);
  });

  test('keeps order across its internal compaction', () => {
    const queue = new BoundedQueue<number>(10_000);
    for (let n = 0; n < 5000; n++) queue.push(n);
    const out: number[] = [];
    for (let n = 0; n < 3000; n++) out.push(queue.shift() as number);
    queue.putBack(out.pop() as number);
    for (let n = 5000; n < 6000; n++) queue.push(n);
    while (queue.length > 0) out.push(queue.shift() as number);
    expect(out).toEqual(Array.from({ length: 6000 }, (_, n) => n));
  });
});
