/**
 * Splits `items` (an array or any iterable) into arrays of `size`, the last one possibly
 * shorter. Lazy: the generator reads only what it yields, so endless or expensive iterables
 * work; `Array.from(batch(items))` gives all the chunks at once (250 items → 100, 100, 50).
 */
export function batch<T>(items: Iterable<T>, size = 100): Generator<T[], void, undefined> {
  // Checked here, not in the generator, so a bad size fails at the call.
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch: size must be a positive integer, got ${String(size)}`);
  return chunks(items, size);
}

function* chunks<T>(items: Iterable<T>, size: number): Generator<T[], void, undefined> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
