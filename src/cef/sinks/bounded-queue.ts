/** A FIFO that holds at most `limit` items and counts what it had to refuse. */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  private refused = 0;
  /** Every item refused so far (never reset). */
  refusedTotal = 0;

  constructor(readonly limit: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** Adds at the back; false (and counted) when full: the newest event is the one dropped. */
  push(item: T): boolean {
    if (this.length >= this.limit) {
      this.refused++;
      this.refusedTotal++;
      return false;
    }
    this.items.push(item);
    return true;
  }

  /** Puts back at the front an item that could not be sent after all. */
  putBack(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined as T;
    // Compact now and then instead of Array#shift on every call.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** How many items were refused since the last call. */
  takeDropped(): number {
    const n = this.refused;
    this.refused = 0;
    return n;
  }
}
