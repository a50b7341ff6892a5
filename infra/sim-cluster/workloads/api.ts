/**
 * The REST routes of the custom resources: discovery (`/apis` gains the served groups), the
 * read-only apiextensions.k8s.io/v1 CustomResourceDefinitions, `/openapi/v3` documents, and
 * get/list/watch/create/update/patch/delete plus the `status` subresource of every served kind.
 * Groups of operators the cluster does not have answer 404, as on a cluster without them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiContext } from '../api-context.js';
import { badRequest, methodNotAllowed, notFound, pathNotFound } from '../errors.js';
import { BASE_HEADERS, sendJson, wantsTable } from '../http.js';
import * as core from '../resources.js';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from '../selectors.js';
import type { KubeObject } from '../types.js';
import { serveWatch } from '../watch.js';
import type { CustomResource } from './crds.js';
import { apiGroup, crdObject, resourceList, servedGroups, servedResources } from './crds.js';
import { openApiRoot } from '../openapi.js';
import { customOpenApiDocument, openApiPaths } from './openapi.js';
import { customTable } from './table.js';
import type { CrTarget } from './writes.js';
import { createCr, deleteCr, existingCr, patchCr, replaceCr } from './writes.js';

const CRD_GROUP = 'apiextensions.k8s.io';
const CRD_CREATED = '2025-01-01T00:00:00Z';

function parseCr(served: CustomResource[], segments: string[]): CrTarget | undefined {
  const [apis, group, version, ...rest] = segments;
  if (apis !== 'apis') return undefined;
  const find = (plural: string | undefined) =>
    served.find((r) => r.group === group && r.version === version && r.plural === plural);
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const resource = find(rest[2]);
    if (!resource?.namespaced || rest.length > 5 || (rest[4] && rest[4] !== 'status'))
      return undefined;
    return { resource, namespace: rest[1], name: rest[3], status: rest[4] === 'status' };
  }
  const resource = find(rest[0]);
  if (!resource || rest.length > 3 || (rest[2] && rest[2] !== 'status')) return undefined;
  if (resource.namespaced && rest.length > 1) return undefined;
  return { resource, name: rest[1], status: rest[2] === 'status' };
}

function crdTable(items: object[]): object {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: '1' },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
      { name: 'Created At', type: 'date', format: '', description: 'Created', priority: 0 },
    ],
    rows: items.map((o) => ({
      cells: [(o as KubeObject).metadata.name, CRD_CREATED],
      object: {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: (o as KubeObject).metadata,
      },
    })),
  };
}

function crds(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, rest: string[]): void {
  const all = servedResources(ctx.operators).map((r) => crdObject(r, CRD_CREATED));
  if (rest.length === 0)
    return sendJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(CRD_GROUP, 'v1') });
  if (rest.length === 1 && rest[0] === 'v1') {
    return sendJson(res, 200, {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: `${CRD_GROUP}/v1`,
      resources: [
        {
          name: 'customresourcedefinitions',
          singularName: 'customresourcedefinition',
          namespaced: false,
          kind: 'CustomResourceDefinition',
          verbs: ['get', 'list'],
          shortNames: ['crd', 'crds'],
          categories: ['api-extensions'],
        },
      ],
    });
  }
  if (rest[0] !== 'v1' || rest[1] !== 'customresourcedefinitions' || rest.length > 3)
    throw pathNotFound(`/apis/${CRD_GROUP}/${rest.join('/')}`);
  const table = wantsTable(req.headers.accept);
  if (rest[2] === undefined) {
    if (table) return sendJson(res, 200, crdTable(all));
    return sendJson(res, 200, {
      kind: 'CustomResourceDefinitionList',
      apiVersion: `${CRD_GROUP}/v1`,
      metadata: { resourceVersion: '1' },
      items: all,
    });
  }
  const one = all.find((o) => (o as KubeObject).metadata.name === rest[2]);
  if (!one) throw notFound(CRD_GROUP, 'customresourcedefinitions', rest[2]);
  sendJson(res, 200, table ? crdTable([one]) : one);
}

function list(
  ctx: ApiContext,
  t: CrTarget,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): void {
  const q = url.searchParams;
  const r = t.resource;
  const labels = parseLabelSelector(q.get('labelSelector'));
  const fields = parseFieldSelector(q.get('fieldSelector'), r.kind);
  const asTable = wantsTable(req.headers.accept);
  const includeObject = q.get('includeObject');
  if (q.get('watch') === 'true' || q.get('watch') === '1') {
    const timeout = q.get('timeoutSeconds');
    const rv = q.get('resourceVersion');
    if (rv && !/^\d+$/.test(rv)) throw badRequest(`invalid resourceVersion "${rv}"`);
    if (timeout && !/^\d+$/.test(timeout)) throw badRequest(`invalid timeoutSeconds "${timeout}"`);
    return serveWatch(
      ctx.store,
      {
        kind: r.kind,
        apiVersion: `${r.group}/${r.version}`,
        ...(t.namespace !== undefined ? { namespace: t.namespace } : {}),
        labels,
        fields,
        ...(rv !== null ? { resourceVersion: rv } : {}),
        allowBookmarks: q.get('allowWatchBookmarks') === 'true',
        ...(timeout ? { timeoutSeconds: Number(timeout) } : {}),
        forceExpired: ctx.faults().expireWatches === true,
        bookmarkMs: ctx.bookmarkMs,
        ...(asTable
          ? {
              present: (o: KubeObject) =>
                customTable(r, [o], o.metadata.resourceVersion ?? '', includeObject),
            }
          : {}),
      },
      res,
      ctx.watches,
      { ...BASE_HEADERS },
    );
  }
  const items = ctx.store
    .list(r.kind, t.namespace)
    .filter((o) => matchesLabels(labels, o.metadata.labels) && matchesFields(fields, o));
  const rv = String(ctx.store.resourceVersion);
  if (asTable) return sendJson(res, 200, customTable(r, items, rv, includeObject));
  sendJson(res, 200, {
    kind: `${r.kind}List`,
    apiVersion: `${r.group}/${r.version}`,
    metadata: { resourceVersion: rv },
    items,
  });
}

async function resource(
  ctx: ApiContext,
  t: CrTarget,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (t.name === undefined) {
    if (method === 'GET' && !t.status) return list(ctx, t, req, res, url);
    if (method === 'POST' && (!t.resource.namespaced || t.namespace !== undefined))
      return createCr(ctx, t, req, res, url);
  } else {
    if (method === 'GET') {
      const object = existingCr(ctx, t);
      if (!wantsTable(req.headers.accept)) return sendJson(res, 200, object);
      const rv = String(ctx.store.resourceVersion);
      return sendJson(
        res,
        200,
        customTable(t.resource, [object], rv, url.searchParams.get('includeObject')),
      );
    }
    if (method === 'PUT') return replaceCr(ctx, t, req, res, url);
    if (method === 'PATCH') return patchCr(ctx, t, req, res, url);
    if (method === 'DELETE' && !t.status) {
      req.resume();
      return deleteCr(ctx, t, res);
    }
  }
  throw methodNotAllowed(method, url.pathname);
}

/** Answers the request if it is about custom resources; returns false to let core routes run. */
export async function handleWorkloadApi(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  path: string,
): Promise<boolean> {
  const method = req.method ?? 'GET';
  const served = servedResources(ctx.operators);
  if (path === '/apis' && method === 'GET') {
    const base = core.apiGroupList() as { groups: object[] };
    const groups = [...base.groups, apiGroup(CRD_GROUP, 'v1'), ...servedGroups(ctx.operators)];
    sendJson(res, 200, { ...base, groups });
    return true;
  }
  if (path === '/openapi/v3' && method === 'GET') {
    const root = openApiRoot() as { paths: Record<string, object> };
    sendJson(res, 200, { ...root, paths: { ...root.paths, ...openApiPaths(served) } });
    return true;
  }
  if (path.startsWith('/openapi/v3/apis/') && method === 'GET') {
    const doc = customOpenApiDocument(path.slice('/openapi/v3/'.length), served);
    if (!doc) return false;
    sendJson(res, 200, doc);
    return true;
  }
  const segments = path.split('/').filter(Boolean);
  if (segments[0] !== 'apis' || segments.length < 2) return false;
  if (segments[1] === CRD_GROUP) {
    crds(ctx, req, res, segments.slice(2));
    return true;
  }
  const inGroup = served.filter((r) => r.group === segments[1]);
  if (!inGroup.length) return false;
  const version = inGroup[0]?.version ?? '';
  if (segments.length === 2 && method === 'GET') {
    sendJson(res, 200, {
      kind: 'APIGroup',
      apiVersion: 'v1',
      ...apiGroup(segments[1] ?? '', version),
    });
    return true;
  }
  if (segments.length === 3 && method === 'GET' && segments[2] === version) {
    sendJson(res, 200, resourceList(segments[1] ?? '', version, served));
    return true;
  }
  const target = parseCr(served, segments);
  if (!target) throw pathNotFound(path);
  await resource(ctx, target, req, res, url);
  return true;
}
