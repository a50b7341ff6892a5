/**
 * `kubectl get` Tables for custom resources, built from each CRD's additionalPrinterColumns as
 * the real API server does (a small JSONPath: `.a.b`, `[?(@.type=="X")].field`, `[-1:].field`).
 */
import { humanDuration } from '../table.js';
import type { KubeObject } from '../types.js';
import type { CustomResource, PrinterColumn } from './crds.js';

function step(values: unknown[], segment: string): unknown[] {
  const filter = /^\[\?\(@\.([A-Za-z0-9_]+)=="([^"]*)"\)\]$/.exec(segment);
  if (filter) {
    const [, field = '', want] = filter;
    return values.flatMap((v) =>
      Array.isArray(v)
        ? v.filter((item) => (item as Record<string, unknown> | null)?.[field] === want)
        : [],
    );
  }
  const slice = /^\[(-?\d+):\]$/.exec(segment);
  if (slice) return values.flatMap((v) => (Array.isArray(v) ? v.slice(Number(slice[1])) : []));
  return values.flatMap((v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? [(v as Record<string, unknown>)[segment]].filter((x) => x !== undefined)
      : [],
  );
}

/** Evaluates a printer-column JSONPath; several results are joined with commas, none is ''. */
export function jsonPathValue(object: unknown, path: string): string {
  const segments = path.match(/\[[^\]]*\]|[^.[\]]+/g) ?? [];
  let values: unknown[] = [object];
  for (const segment of segments) values = step(values, segment);
  return values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
}

function cell(o: KubeObject, type: string, path: string, now: number): unknown {
  const raw = jsonPathValue(o, path);
  if (type === 'date') {
    const at = Date.parse(raw);
    return Number.isNaN(at) ? '<unknown>' : humanDuration(now - at);
  }
  if (type === 'integer' && raw !== '') return Number(raw);
  return raw;
}

export function customTable(
  r: CustomResource,
  items: KubeObject[],
  resourceVersion: string,
  includeObject: string | null,
  now = Date.now(),
): object {
  const columns: (PrinterColumn & { format?: string })[] = [
    { name: 'Name', type: 'string', jsonPath: '.metadata.name', format: 'name' },
    ...r.columns,
  ];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type === 'date' ? 'date' : c.type,
      format: c.format ?? '',
      description: c.description ?? `${c.jsonPath} (from the CustomResourceDefinition)`,
      priority: c.priority ?? 0,
    })),
    rows: items.map((o) => ({
      cells: columns.map((c) => cell(o, c.type, c.jsonPath, now)),
      object:
        includeObject === 'Object'
          ? o
          : includeObject === 'None'
            ? undefined
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
