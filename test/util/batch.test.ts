import { batch } from '../../src/util/batch';

describe('batch (docs/compatibility.md C.11)', () => {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('splits 250 items into 3 chunks of 100 by default', () => {
    const chunks = Array.from(batch(range(250)));
    expect(chunks.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(chunks.flat()).toEqual(range(250));
  });

  it('takes a size, and yields nothing for nothing', () => {
    expect([...batch('abcde', 2)]).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect([...batch(range(4), 2)]).toEqual([[0, 1], [2, 3]]);
    expect([...batch([], 3)]).toEqual([]);
  });

  it('is lazy: reads only what it yields, so an endless iterable works', () => {
    let read = 0;
    function* naturals() { for (let i = 0; ; i++) { read++; yield i; } }
    const chunks = batch(naturals(), 3);
    expect(chunks.next().value).toEqual([0, 1, 2]);
    expect(read).toBe(3);
    expect(chunks.next().value).toEqual([3, 4, 5]);
    expect(read).toBe(6);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses size %p at the call', (size) => {
    expect(() => batch([1], size)).toThrow(`batch: size must be a positive integer, got ${size}`);
  });
});
