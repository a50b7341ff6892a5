/** The Kubernetes REST routes: discovery, OpenAPI, and namespaces, nodes, pods and jobs. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, methodNotAllowed, pathNotFound } from './errors.js';
import { BASE_HEADERS, sendJson, sendText, wantsTable } from './http.js';
import { openApiDocument, openApiRoot } from './openapi.js';
import type { Resource } from './resources.js';
import * as discovery from './resources.js';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors.js';
import { toTable } from './table.js';
import type { KubeObject, PodObject } from './types.js';
import { serveWatch } from './watch.js';
import { create, existing, patch, remove } from './writes.js';
import type { ApiContext, Target } from './api-context.js';
import { podLogBody, simulatedPodLogLines } from './pod-log.js';
import { followPodLog } from './pod-log-follow.js';
import { handleWorkloadApi } from './workloads/api.js';

function parseTarget(segments: string[]): Target | undefined {
  let rest: string[];
  let group: '' | 'batch';
  if (segments[0] === 'api' && segments[1] === 'v1') [group, rest] = ['', segments.slice(2)];
  else if (segments[0] === 'apis' && segments[1] === 'batch' && segments[2] === 'v1')
    [group, rest] = ['batch', segments.slice(3)];
  else return undefined;
  const find = (plural: string | undefined) =>
    discovery.RESOURCES.find((r) => r.group === group && r.plural === plural);
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const resource = find(rest[2]);
    if (!resource?.namespaced || rest.length > 5) return undefined;
    return { resource, namespace: rest[1], name: rest[3], subresource: rest[4] };
  }
  const resource = find(rest[0]);
  if (!resource || rest.length > 2 || (resource.namespaced && rest.length > 1)) return undefined;
  return { resource, name: rest[1] };
}

const listKind = (r: Resource) => `${r.kind}List`;

export async function handleApi(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  if (await handleWorkloadApi(ctx, req, res, url, path)) return;
  const fixed: Record<string, () => unknown> = {
    '/version': discovery.versionInfo,
    '/api': () => discovery.apiVersions(req.headers.host ?? ''),
    '/apis': discovery.apiGroupList,
    '/apis/batch': discovery.apiGroup,
    '/api/v1': () => discovery.resourceList(''),
    '/apis/batch/v1': () => discovery.resourceList('batch'),
    '/openapi/v3': openApiRoot,
  };
  const fixedHandler = fixed[path];
  if (fixedHandler && method === 'GET') return sendJson(res, 200, fixedHandler());
  if (['/healthz', '/readyz', '/livez'].includes(path)) return sendText(res, 200, 'ok');
  if (path.startsWith('/openapi/v3/') && method === 'GET') {
    const doc = openApiDocument(path.slice('/openapi/v3/'.length));
    if (doc) return sendJson(res, 200, doc);
  }
  const target = parseTarget(path.split('/').filter(Boolean));
  if (!target) throw pathNotFound(path);
  const { resource } = target;
  if (target.subresource) {
    if (resource.kind === 'Pod' && target.subresource === 'log' && method === 'GET')
      return podLog(ctx, target, res, url);
    throw pathNotFound(path);
  }
  if (method === 'GET' && target.name === undefined) return list(ctx, target, req, res, url);
  if (method === 'GET') return getOne(ctx, target, req, res, url);
  const creatable = !resource.namespaced || target.namespace !== undefined;
  if (
    method === 'POST' &&
    target.name === undefined &&
    creatable &&
    resource.verbs.includes('create')
  ) {
    return create(ctx, target, req, res, url);
  }
  if (method === 'DELETE' && target.name !== undefined && resource.verbs.includes('delete')) {
    return remove(ctx, target, req, res, url);
  }
  if (method === 'PATCH' && target.name !== undefined && resource.verbs.includes('patch')) {
    return patch(ctx, target, req, res);
  }
  throw methodNotAllowed(method, path);
}

function getOne(
  ctx: ApiContext,
  t: Target,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): void {
  const object = existing(ctx, t);
  if (wantsTable(req.headers.accept)) {
    return sendJson(
      res,
      200,
      toTable(
        t.resource.kind,
        [object],
        String(ctx.store.resourceVersion),
        url.searchParams.get('includeObject'),
      ),
    );
  }
  sendJson(res, 200, object);
}

function list(
  ctx: ApiContext,
  t: Target,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): void {
  const q = url.searchParams;
  const labels = parseLabelSelector(q.get('labelSelector'));
  const fields = parseFieldSelector(q.get('fieldSelector'), t.resource.kind);
  const apiVersion = discovery.apiVersionOf(t.resource);
  if (q.get('watch') === 'true' || q.get('watch') === '1') {
    const timeout = q.get('timeoutSeconds');
    const rv = q.get('resourceVersion');
    if (rv && !/^\d+$/.test(rv)) throw badRequest(`invalid resourceVersion "${rv}"`);
    if (timeout && !/^\d+$/.test(timeout)) throw badRequest(`invalid timeoutSeconds "${timeout}"`);
    const includeObject = q.get('includeObject');
    const asTable = wantsTable(req.headers.accept);
    return serveWatch(
      ctx.store,
      {
        kind: t.resource.kind,
        apiVersion,
        ...(t.namespace !== undefined ? { namespace: t.namespace } : {}),
        labels,
        fields,
        ...(q.get('resourceVersion') !== null
          ? { resourceVersion: q.get('resourceVersion') ?? '' }
          : {}),
        allowBookmarks: q.get('allowWatchBookmarks') === 'true',
        ...(timeout ? { timeoutSeconds: Number(timeout) } : {}),
        forceExpired: ctx.faults().expireWatches === true,
        bookmarkMs: ctx.bookmarkMs,
        ...(asTable
          ? {
              present: (o: KubeObject) =>
                toTable(t.resource.kind, [o], o.metadata.resourceVersion ?? '', includeObject),
            }
          : {}),
      },
      res,
      ctx.watches,
      { ...BASE_HEADERS },
    );
  }
  const matching = ctx.store.list(
    t.resource.kind,
    t.namespace,
    (o) => matchesLabels(labels, o.metadata.labels) && matchesFields(fields, o),
  );
  const { items, next } = page(matching, q.get('limit'), q.get('continue'));
  const rv = String(ctx.store.resourceVersion);
  if (wantsTable(req.headers.accept)) {
    const table = toTable(t.resource.kind, items, rv, q.get('includeObject'));
    if (next) (table as { metadata: Record<string, string> }).metadata.continue = next;
    return sendJson(res, 200, table);
  }
  sendJson(res, 200, {
    kind: listKind(t.resource),
    apiVersion,
    metadata: { resourceVersion: rv, ...(next ? { continue: next } : {}) },
    items,
  });
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * `limit`/`continue` paging over a list sorted by namespace/name: the token carries the last key
 * returned (opaque base64, as Kubernetes' is), so a page starts after it.
 */
function page(
  sorted: KubeObject[],
  limit: string | null,
  token: string | null,
): { items: KubeObject[]; next?: string } {
  if (limit !== null && !/^\d+$/.test(limit)) throw badRequest(`invalid limit "${limit}"`);
  let after: string | undefined;
  if (token) {
    try {
      after = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { after: string })
        .after;
    } catch {
      after = undefined;
    }
    if (typeof after !== 'string') throw badRequest(`invalid continue token "${token}"`);
  }
  if (limit === null && after === undefined) return { items: sorted };
  // Code-unit order, so "after this key" means the same thing on every page.
  const ordered = [...sorted].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
  const rest = after === undefined ? ordered : ordered.filter((o) => keyOf(o) > after);
  const n = Number(limit ?? 0);
  if (n <= 0 || rest.length <= n) return { items: rest };
  const items = rest.slice(0, n);
  const next = Buffer.from(JSON.stringify({ after: keyOf(items[n - 1]!) })).toString('base64');
  return { items, next };
}

function podLog(ctx: ApiContext, t: Target, res: ServerResponse, url: URL): void {
  const pod = existing(ctx, { ...t, subresource: undefined }) as PodObject;
  if (url.searchParams.get('follow') === 'true')
    return followPodLog(ctx, t, pod, res, url.searchParams);
  const now = Date.now();
  const lines = simulatedPodLogLines(pod, now, ctx.defaultDurationSeconds);
  sendText(res, 200, podLogBody(lines, url.searchParams, now));
}
