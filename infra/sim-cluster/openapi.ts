/**
 * `/openapi/v3` discovery and the per-group-version documents. kubectl reads these to learn that
 * the server validates fields itself (the `fieldValidation` query parameter on PATCH), and then
 * sends `fieldValidation=Strict` with its creates instead of validating on the client.
 */
import { JOB, NAMESPACE, NODE, POD, reachable, SCHEMAS } from './schemas.js';
import type { Schema } from './schemas.js';

const HASH = 'switchyard-sim-1';

export function openApiRoot(): object {
  return {
    paths: {
      'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${HASH}` },
      'apis/batch/v1': { serverRelativeURL: `/openapi/v3/apis/batch/v1?hash=${HASH}` },
    },
  };
}

const queryParam = (name: string, description: string) => ({
  name,
  in: 'query',
  description,
  schema: { type: 'string', uniqueItems: true },
});
const FIELD_VALIDATION = queryParam(
  'fieldValidation',
  'Ignore, Warn (default) or Strict: what to do with fields the server does not know.',
);
const pathParam = (name: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
});

function operation(
  group: string,
  kind: string,
  action: string,
  schema: string,
  extra: object = {},
): object {
  return {
    operationId: `${action}${kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group, kind, version: 'v1' },
    responses: {
      '200': {
        description: 'OK',
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
      },
    },
    ...extra,
  };
}

interface Described {
  kind: string;
  group: string;
  schema: string;
  collection: string;
  actions: { collection: string[]; item: string[] };
  namespaced: boolean;
}

const DESCRIBED: Described[] = [
  {
    kind: 'Job',
    group: 'batch',
    schema: JOB,
    collection: 'jobs',
    namespaced: true,
    actions: { collection: ['list', 'post'], item: ['get', 'delete', 'patch'] },
  },
  {
    kind: 'Namespace',
    group: '',
    schema: NAMESPACE,
    collection: 'namespaces',
    namespaced: false,
    actions: { collection: ['list', 'post'], item: ['get', 'delete', 'patch'] },
  },
  {
    kind: 'Node',
    group: '',
    schema: NODE,
    collection: 'nodes',
    namespaced: false,
    actions: { collection: ['list'], item: ['get'] },
  },
  {
    kind: 'Pod',
    group: '',
    schema: POD,
    collection: 'pods',
    namespaced: true,
    actions: { collection: ['list'], item: ['get', 'delete'] },
  },
];

function pathsFor(d: Described): Record<string, object> {
  const prefix = d.group ? `/apis/${d.group}/v1` : '/api/v1';
  const base = d.namespaced
    ? `${prefix}/namespaces/{namespace}/${d.collection}`
    : `${prefix}/${d.collection}`;
  const nsParams = d.namespaced ? [pathParam('namespace')] : [];
  const collection: Record<string, object> = { parameters: nsParams };
  for (const a of d.actions.collection) {
    collection[a === 'list' ? 'get' : a] =
      a === 'post'
        ? operation(d.group, d.kind, 'post', d.schema, {
            parameters: [FIELD_VALIDATION],
            requestBody: {
              content: {
                'application/json': { schema: { $ref: `#/components/schemas/${d.schema}` } },
              },
            },
          })
        : operation(d.group, d.kind, 'list', d.schema);
  }
  const item: Record<string, object> = { parameters: [...nsParams, pathParam('name')] };
  for (const a of d.actions.item) {
    item[a] = operation(
      d.group,
      d.kind,
      a,
      d.schema,
      a === 'patch' ? { parameters: [FIELD_VALIDATION] } : {},
    );
  }
  const paths: Record<string, object> = { [base]: collection, [`${base}/{name}`]: item };
  if (d.namespaced)
    paths[`${prefix}/${d.collection}`] = { get: operation(d.group, d.kind, 'list', d.schema) };
  return paths;
}

/** The document for `api/v1` or `apis/batch/v1`, or undefined for any other path. */
export function openApiDocument(groupVersion: string): object | undefined {
  const group =
    groupVersion === 'api/v1' ? '' : groupVersion === 'apis/batch/v1' ? 'batch' : undefined;
  if (group === undefined) return undefined;
  const described = DESCRIBED.filter((d) => d.group === group);
  const schemas: Record<string, Schema> = {};
  for (const name of reachable(described.map((d) => d.schema))) {
    const schema = SCHEMAS[name];
    if (schema) schemas[name] = schema;
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes (simulated by Switchyard)', version: 'v1.32.0-switchyard-sim' },
    paths: Object.assign({}, ...described.map(pathsFor)),
    components: { schemas },
  };
}
