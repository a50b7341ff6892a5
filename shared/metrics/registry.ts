/**
 * In-process metrics: counters and histograms with labels, plus gauges computed at scrape time,
 * rendered in the Prometheus text exposition format (0.0.4). Edge-safe (no Node API, no
 * dependency): on the Worker every isolate has its own registry, so counters and histograms are
 * per isolate and restart at zero when the isolate does; gauges read the store and are global.
 */

export type Labels = Record<string, string>;

/** A value read at scrape time; `counter` when it is a total kept elsewhere (a drainer's). */
export interface Gauge {
  name: string;
  help: string;
  labels: Labels;
  value: number;
  type?: 'gauge' | 'counter';
}

/** Seconds: 1 ms to 10 s, the span of a placement decision and of a submit. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

interface Histogram {
  help: string;
  buckets: readonly number[];
  series: Map<string, { counts: number[]; sum: number; count: number }>;
}

/** A label value as the text format wants it: backslash, double quote and newline escaped. */
export function escapeLabel(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
const NEEDS_ESCAPE = /[\\"\n]/;

/**
 * Label names in key order, by the names in the order given: every request counts a series, and
 * a locale-aware sort each time was measurable; a program uses a handful of label sets.
 */
const sortedNames = new Map<string, string[]>();

function labelKey(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  const given = names.join('\n');
  let sorted = sortedNames.get(given);
  if (!sorted) {
    sorted = names.sort((a, b) => a.localeCompare(b));
    if (sortedNames.size < 1000) sortedNames.set(given, sorted);
  }
  let key = '';
  for (let i = 0; i < sorted.length; i++) {
    const k = sorted[i]!;
    key += `${i ? ',' : ''}${k}="${escapeLabel(labels[k]!)}"`;
  }
  return key;
}

const braces = (key: string) => (key ? `{${key}}` : '');
const number = (n: number) =>
  Number.isFinite(n) ? String(n) : Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';

export function createRegistry() {
  const counters = new Map<string, { help: string; values: Map<string, number> }>();
  const histograms = new Map<string, Histogram>();

  function renderHistogram(name: string, h: Histogram, lines: string[]): void {
    lines.push(`# HELP ${name} ${h.help}`, `# TYPE ${name} histogram`);
    for (const [key, s] of h.series) {
      const sep = key ? ',' : '';
      h.buckets.forEach((le, i) => {
        lines.push(`${name}_bucket{${key}${sep}le="${le}"} ${s.counts[i]}`);
      });
      lines.push(`${name}_bucket{${key}${sep}le="+Inf"} ${s.count}`);
      lines.push(
        `${name}_sum${braces(key)} ${number(s.sum)}`,
        `${name}_count${braces(key)} ${s.count}`,
      );
    }
  }

  return {
    /** Adds `by` (default 1) to a counter. */
    inc(name: string, help: string, labels: Labels = {}, by = 1): void {
      let counter = counters.get(name);
      if (!counter) counters.set(name, (counter = { help, values: new Map() }));
      const key = labelKey(labels);
      counter.values.set(key, (counter.values.get(key) ?? 0) + by);
    },
    /** Records one observation (seconds for latencies) in a histogram. */
    observe(name: string, help: string, value: number, labels: Labels = {}): void {
      let h = histograms.get(name);
      if (!h) histograms.set(name, (h = { help, buckets: LATENCY_BUCKETS, series: new Map() }));
      const key = labelKey(labels);
      let s = h.series.get(key);
      if (!s) h.series.set(key, (s = { counts: h.buckets.map(() => 0), sum: 0, count: 0 }));
      const { buckets } = h;
      for (let i = 0; i < buckets.length; i++) if (value <= buckets[i]!) s.counts[i]! += 1;
      s.sum += value;
      s.count += 1;
    },
    /** The text format: counters, histograms, then the scrape-time `gauges`. */
    render(gauges: readonly Gauge[] = []): string {
      const lines: string[] = [];
      for (const [name, c] of counters) {
        lines.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
        for (const [key, value] of c.values) lines.push(`${name}${braces(key)} ${number(value)}`);
      }
      for (const [name, h] of histograms) renderHistogram(name, h, lines);
      const byName = new Map<string, Gauge[]>();
      for (const g of gauges) byName.set(g.name, [...(byName.get(g.name) ?? []), g]);
      for (const [name, list] of byName) {
        lines.push(`# HELP ${name} ${list[0]!.help}`, `# TYPE ${name} ${list[0]!.type ?? 'gauge'}`);
        for (const g of list) lines.push(`${name}${braces(labelKey(g.labels))} ${number(g.value)}`);
      }
      return lines.join('\n') + '\n';
    },
  };
}

export type MetricsRegistry = ReturnType<typeof createRegistry>;

/** Seconds since `startMs` (from `performance.now()`); on the Worker it advances only across I/O. */
export function secondsSince(startMs: number): number {
  return (performance.now() - startMs) / 1000;
}
