/** The writing Kubernetes routes: create, delete and merge-patch. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiContext, Target } from './api-context.js';
import { createJob, deleteJob } from './controller.js';
import {
  alreadyExists,
  badRequest,
  injectedCreateFailure,
  notFound,
  StatusError,
} from './errors.js';
import { readJsonBody, sendJson } from './http.js';
import { applyMergePatch } from './patch.js';
import { decodeNamespace } from './protobuf.js';
import { JOB, NAMESPACE, pruneUnknown } from './schemas.js';
import type { JobObject, KubeObject } from './types.js';
import { checkEnvelope, validateJob, validateNamespace } from './validate.js';

const WORKLOAD_KINDS = ['JobSet', 'PyTorchJob', 'RayJob', 'LocalQueue', 'Workload'] as const;

export function existing(ctx: ApiContext, t: Target): KubeObject {
  const found = ctx.store.get(t.resource.kind, t.namespace ?? '', t.name ?? '');
  if (!found) throw notFound(t.resource.group, t.resource.plural, t.name ?? '');
  return found;
}

/** Applies `fieldValidation` (default Warn): returns Warning headers or throws 400 for Strict. */
function fieldValidation(schema: string, body: unknown, url: URL): Record<string, string> {
  const mode = url.searchParams.get('fieldValidation') ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(mode)) {
    throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${mode}"`);
  }
  const unknown = pruneUnknown(schema, body);
  if (!unknown.length || mode === 'Ignore') return {};
  if (mode === 'Strict')
    throw badRequest(
      `strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`,
    );
  return { Warning: unknown.map((u) => `299 - "unknown field \\"${u}\\""`).join(', ') };
}

export async function create(
  ctx: ApiContext,
  t: Target,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const isNamespace = t.resource.kind === 'Namespace';
  const body = await readJsonBody(req, isNamespace ? decodeNamespace : undefined);
  const now = new Date();
  if (t.resource.kind === 'Namespace') {
    const headers = fieldValidation(NAMESPACE, body, url);
    const ns = validateNamespace(checkEnvelope(body, 'Namespace', 'v1'));
    if (ctx.store.get('Namespace', '', ns.metadata.name))
      throw alreadyExists('', 'namespaces', ns.metadata.name);
    ctx.log(`namespace ${ns.metadata.name} created`);
    return sendJson(res, 201, ctx.store.create('Namespace', ns, now), headers);
  }
  ctx.countCreateAttempt();
  const namespace = t.namespace ?? '';
  if (!ctx.store.has('Namespace', '', namespace)) throw notFound('', 'namespaces', namespace);
  const headers = fieldValidation(JOB, body, url);
  const envelope = checkEnvelope(body, 'Job', 'batch/v1', namespace);
  const fault = ctx.takeCreateFailure();
  if (fault)
    throw injectedCreateFailure(
      fault.status,
      String(envelope.metadata.name ?? ''),
      fault.retryAfterSeconds,
    );
  const job = validateJob(envelope);
  if (ctx.store.has('Job', namespace, job.metadata.name))
    throw alreadyExists('batch', 'jobs', job.metadata.name);
  const created = ctx.store.atomically(() => {
    ctx.store.countCreate(namespace, job.metadata.name);
    return createJob(ctx.store, job, now);
  });
  ctx.log(`job ${namespace}/${job.metadata.name} created`);
  sendJson(res, 201, created, headers);
}

export async function remove(
  ctx: ApiContext,
  t: Target,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const body = await readJsonBody(req);
  const options = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const object = existing(ctx, t);
  const details = {
    name: object.metadata.name,
    ...(t.resource.group ? { group: t.resource.group } : {}),
    kind: t.resource.plural,
    uid: object.metadata.uid ?? '',
  };
  const success = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
  if (t.resource.kind === 'Job') {
    const requested = url.searchParams.get('propagationPolicy') ?? options.propagationPolicy;
    // Like a real server, the batch/v1 default is Orphan: the pods stay, and a warning says so.
    const policy = typeof requested === 'string' ? requested : 'Orphan';
    const headers: Record<string, string> =
      typeof requested === 'string'
        ? {}
        : {
            Warning:
              '299 - "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning"',
          };
    deleteJob(ctx.store, object as JobObject, policy);
    ctx.log(`job ${t.namespace}/${object.metadata.name} deleted (propagationPolicy ${policy})`);
    return sendJson(res, 200, success, headers);
  }
  if (t.resource.kind === 'Namespace') {
    for (const job of ctx.store.list<JobObject>('Job', object.metadata.name))
      deleteJob(ctx.store, job, 'Background');
    for (const kind of ['Pod', 'Event', ...WORKLOAD_KINDS] as const)
      for (const o of ctx.store.list(kind, object.metadata.name))
        ctx.store.delete(kind, object.metadata.name, o.metadata.name);
    ctx.store.delete('Namespace', '', object.metadata.name);
    return sendJson(res, 200, success);
  }
  const deleted = ctx.store.delete(t.resource.kind, t.namespace ?? '', object.metadata.name);
  sendJson(res, 200, deleted);
}

export async function patch(
  ctx: ApiContext,
  t: Target,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  if (
    type !== 'application/merge-patch+json' &&
    type !== 'application/strategic-merge-patch+json'
  ) {
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the simulated server supports merge patches only (application/merge-patch+json, application/strategic-merge-patch+json), not "${type}"`,
    );
  }
  const body = await readJsonBody(req);
  const object = existing(ctx, t);
  const patched = applyMergePatch(object, body, t.resource);
  sendJson(res, 200, ctx.store.update(t.resource.kind, patched));
}
