/**
 * `/openapi/v3` documents for the served custom resources, as a real API server publishes one per
 * CRD group-version: the CRD schema under the reversed-group name, and paths whose POST/PATCH
 * declare `fieldValidation`, so kubectl leaves unknown-field checks to the server.
 */
import type { CustomResource } from './crds.js';

const HASH = 'switchyard-sim-crd-1';

export function openApiPaths(served: CustomResource[]): Record<string, object> {
  const out: Record<string, object> = {};
  for (const r of served) {
    out[`apis/${r.group}/${r.version}`] = {
      serverRelativeURL: `/openapi/v3/apis/${r.group}/${r.version}?hash=${HASH}`,
    };
  }
  return out;
}

function schemaName(r: CustomResource): string {
  return `${r.group.split('.').reverse().join('.')}.${r.version}.${r.kind}`;
}

const FIELD_VALIDATION = {
  name: 'fieldValidation',
  in: 'query',
  description: 'Ignore, Warn (default) or Strict: what to do with fields the schema does not know.',
  schema: { type: 'string', uniqueItems: true },
};

function op(r: CustomResource, action: string, extra: object = {}): object {
  return {
    operationId: `${action}${r.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: r.group, kind: r.kind, version: r.version },
    responses: {
      '200': {
        description: 'OK',
        content: {
          'application/json': { schema: { $ref: `#/components/schemas/${schemaName(r)}` } },
        },
      },
    },
    ...extra,
  };
}

function pathsOf(r: CustomResource): Record<string, object> {
  const prefix = `/apis/${r.group}/${r.version}`;
  const base = r.namespaced
    ? `${prefix}/namespaces/{namespace}/${r.plural}`
    : `${prefix}/${r.plural}`;
  const write = { parameters: [FIELD_VALIDATION] };
  const paths: Record<string, object> = {
    [base]: { get: op(r, 'list'), post: op(r, 'post', write) },
    [`${base}/{name}`]: {
      get: op(r, 'get'),
      put: op(r, 'put', write),
      patch: op(r, 'patch', write),
      delete: op(r, 'delete'),
    },
    [`${base}/{name}/status`]: {
      get: op(r, 'get'),
      put: op(r, 'put', write),
      patch: op(r, 'patch', write),
    },
  };
  if (r.namespaced) paths[`${prefix}/${r.plural}`] = { get: op(r, 'list') };
  return paths;
}

/** The document for `apis/<group>/<version>`, or undefined when no served resource is in it. */
export function customOpenApiDocument(
  groupVersion: string,
  served: CustomResource[],
): object | undefined {
  const inGv = served.filter((r) => `apis/${r.group}/${r.version}` === groupVersion);
  if (!inGv.length) return undefined;
  const schemas: Record<string, object> = {};
  for (const r of inGv) {
    schemas[schemaName(r)] = {
      ...r.schema,
      'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.kind, version: r.version }],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes CRDs (simulated by Switchyard)', version: 'v1.32.0-switchyard-sim' },
    paths: Object.assign({}, ...inGv.map(pathsOf)),
    components: { schemas },
  };
}
