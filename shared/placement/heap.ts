/** A binary min-heap ordered by `before(a, b) < 0` meaning a comes first. */
export interface Heap<T> {
  push(item: T): void;
  pop(): T | undefined;
  readonly size: number;
}

export function createHeap<T>(before: (a: T, b: T) => number): Heap<T> {
  const items: T[] = [];
  return {
    get size() {
      return items.length;
    },
    push(item) {
      let i = items.push(item) - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (before(items[i]!, items[parent]!) >= 0) break;
        [items[i], items[parent]] = [items[parent]!, items[i]!];
        i = parent;
      }
    },
    pop() {
      const top = items[0];
      const last = items.pop();
      if (items.length === 0 || last === undefined) return top;
      items[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && before(items[l]!, items[m]!) < 0) m = l;
        if (r < items.length && before(items[r]!, items[m]!) < 0) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
      return top;
    },
  };
}
