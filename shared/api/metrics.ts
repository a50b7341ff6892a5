/**
 * A tiny Prometheus registry: counters with labels, rendered in the text exposition format.
 * `/metrics` without a `metrics:read` token shows only the names in `PUBLIC_METRICS`: aggregate
 * figures that say nothing about any tenant or about job volume. Anything new is private until
 * listed there.
 */

export const PUBLIC_METRICS: ReadonlySet<string> = new Set(['switchyard_http_requests_total']);

export function createMetrics() {
  const counters = new Map<string, { help: string; values: Map<string, number> }>();

  function labelKey(labels: Record<string, string>): string {
    return Object.entries(labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`)
      .join(',');
  }

  return {
    inc(name: string, help: string, labels: Record<string, string> = {}, by = 1): void {
      let counter = counters.get(name);
      if (!counter) counters.set(name, (counter = { help, values: new Map() }));
      const key = labelKey(labels);
      counter.values.set(key, (counter.values.get(key) ?? 0) + by);
    },
    render(
      gauges: Array<{
        name: string;
        help: string;
        labels: Record<string, string>;
        value: number;
      }> = [],
      options: { publicOnly?: boolean } = {},
    ): string {
      const shown = (name: string) => !options.publicOnly || PUBLIC_METRICS.has(name);
      const lines: string[] = [];
      for (const [name, c] of counters) {
        if (!shown(name)) continue;
        lines.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
        for (const [key, value] of c.values) lines.push(`${name}${key ? `{${key}}` : ''} ${value}`);
      }
      const byName = new Map<string, typeof gauges>();
      for (const g of gauges.filter((x) => shown(x.name))) {
        byName.set(g.name, [...(byName.get(g.name) ?? []), g]);
      }
      for (const [name, list] of byName) {
        lines.push(`# HELP ${name} ${list[0]!.help}`, `# TYPE ${name} gauge`);
        for (const g of list) {
          const key = labelKey(g.labels);
          lines.push(`${name}${key ? `{${key}}` : ''} ${g.value}`);
        }
      }
      return lines.join('\n') + '\n';
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
