/**
 * A min-heap of (time, key) for the tick index: what is due by a time is popped without walking
 * what is not. Entries may be stale (the key's time moved, or it left its set); whoever pops one
 * checks the key again, so a change only has to push its new time, never find the old entry.
 */
interface Entry {
  at: number;
  key: string;
}

export class DueQueue {
  private readonly heap: Entry[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(at: number, key: string): void {
    const heap = this.heap;
    heap.push({ at, key });
    let i = heap.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (heap[up]!.at <= at) break;
      [heap[up], heap[i]] = [heap[i]!, heap[up]!];
      i = up;
    }
  }

  /** Removes every entry due at or before `t`; returns their keys, each once. */
  popDue(t: number): Set<string> {
    const keys = new Set<string>();
    while (this.heap.length > 0 && this.heap[0]!.at <= t) keys.add(this.pop().key);
    return keys;
  }

  private pop(): Entry {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < heap.length && heap[l]!.at < heap[min]!.at) min = l;
      if (r < heap.length && heap[r]!.at < heap[min]!.at) min = r;
      if (min === i) return top;
      [heap[min], heap[i]] = [heap[i]!, heap[min]!];
      i = min;
    }
  }
}
