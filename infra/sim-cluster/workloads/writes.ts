/**
 * Create, replace, patch and delete of custom resources, as a real API server handles them:
 * schema check (unknown fields pruned or refused per `fieldValidation`, wrong types 422), the
 * operators' webhook defaults, `resourceVersion` conflicts, `generation` bumps on spec changes,
 * and the status subresource (which changes status only; the main resource never does).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiContext } from '../api-context.js';
import {
  alreadyExists,
  badRequest,
  injectedCreateFailure,
  invalid,
  notFound,
  StatusError,
} from '../errors.js';
import type { SimFaults } from '../options.js';
import type { StatusCause } from '../errors.js';
import { readJsonBody, sendJson } from '../http.js';
import type { KubeObject } from '../types.js';
import { checkEnvelope } from '../validate.js';
import { admit } from './admission.js';
import type { CustomResource } from './crds.js';
import { applyPatch } from './json-patch.js';
import { checkStructural } from './structural.js';

export interface CrTarget {
  resource: CustomResource;
  namespace?: string;
  name?: string;
  status: boolean;
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function existingCr(ctx: ApiContext, t: CrTarget): KubeObject {
  const found = ctx.store.get(t.resource.kind, t.namespace ?? '', t.name ?? '');
  if (!found) throw notFound(t.resource.group, t.resource.plural, t.name ?? '');
  return found;
}

/** Schema check + defaults; returns Warning headers (Warn) or throws 400 (Strict) / 422. */
function validate(
  ctx: ApiContext,
  t: CrTarget,
  object: KubeObject,
  url: URL,
  creating: boolean,
): Record<string, string> {
  const mode = url.searchParams.get('fieldValidation') ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(mode))
    throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${mode}"`);
  const { unknown, causes } = checkStructural(t.resource.schema, object);
  const r = t.resource;
  if (unknown.length && mode === 'Strict') {
    throw badRequest(
      `${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`,
    );
  }
  const name = object.metadata.name;
  const nameCauses: StatusCause[] = [];
  if (typeof name !== 'string' || !name)
    nameCauses.push({
      reason: 'FieldValueRequired',
      message: 'Required value: name or generateName is required',
      field: 'metadata.name',
    });
  else if (name.length > 253 || !NAME.test(name))
    nameCauses.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      field: 'metadata.name',
    });
  const all = [...nameCauses, ...causes];
  if (!all.length) all.push(...admit(r, object, ctx.operators, creating));
  if (all.length) throw invalid(r.kind, r.group, String(name ?? ''), all);
  if (!unknown.length || mode === 'Ignore') return {};
  return { Warning: unknown.map((u) => `299 - "unknown field \\"${u}\\""`).join(', ') };
}

/** `failCreates` applies to workload creates as to Job creates, worded for the resource. */
function injectedFailure(
  r: CustomResource,
  fault: NonNullable<SimFaults['failCreates']>,
  name: string,
): StatusError {
  if (fault.status === 403)
    return new StatusError(
      403,
      'Forbidden',
      `${r.plural}.${r.group} "${name}" is forbidden: exceeded quota: gpu-quota (injected fault)`,
      { name, group: r.group, kind: r.plural },
    );
  if (fault.status === 422)
    return invalid(r.kind, r.group, name, [
      { reason: 'FieldValueInvalid', message: 'Invalid value: injected fault', field: 'spec' },
    ]);
  return injectedCreateFailure(fault.status, name, fault.retryAfterSeconds);
}

export async function createCr(
  ctx: ApiContext,
  t: CrTarget,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const r = t.resource;
  const body = await readJsonBody(req);
  const namespace = t.namespace;
  if (namespace !== undefined && !ctx.store.get('Namespace', '', namespace))
    throw notFound('', 'namespaces', namespace);
  ctx.countCreateAttempt();
  const object = checkEnvelope(body, r.kind, `${r.group}/${r.version}`, namespace);
  delete object.status;
  const fault = ctx.takeCreateFailure();
  if (fault) throw injectedFailure(r, fault, String(object.metadata.name ?? ''));
  const headers = validate(ctx, t, object, url, true);
  if (ctx.store.get(r.kind, namespace ?? '', object.metadata.name))
    throw alreadyExists(r.group, r.plural, object.metadata.name);
  object.metadata.generation = 1;
  object.status = {};
  const created = ctx.store.atomically(() => {
    ctx.store.countCreate(namespace ?? '', object.metadata.name);
    return ctx.store.create(r.kind, object, new Date());
  });
  ctx.log(`${r.singular} ${namespace ?? ''}/${object.metadata.name} created`);
  sendJson(res, 201, created, headers);
}

/** Writes `next` over `current`: only status through /status, never status otherwise. */
function commit(
  ctx: ApiContext,
  t: CrTarget,
  current: KubeObject,
  next: KubeObject,
  url: URL,
): { stored: KubeObject; headers: Record<string, string> } {
  const r = t.resource;
  const wanted = next.metadata?.resourceVersion;
  if (wanted && wanted !== current.metadata.resourceVersion) {
    throw new StatusError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${r.plural}.${r.group} "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name: current.metadata.name, group: r.group, kind: r.plural },
    );
  }
  const merged: KubeObject = t.status
    ? { ...current, status: next.status ?? {} }
    : { ...next, status: current.status };
  merged.apiVersion = current.apiVersion;
  merged.kind = current.kind;
  const meta: Record<string, unknown> = { ...(t.status ? current.metadata : next.metadata) };
  for (const fixed of ['name', 'namespace', 'uid', 'creationTimestamp', 'generation'])
    meta[fixed] = current.metadata[fixed];
  merged.metadata = meta as KubeObject['metadata'];
  const headers = validate(ctx, t, merged, url, false);
  if (JSON.stringify(merged.spec) !== JSON.stringify(current.spec))
    merged.metadata.generation = (current.metadata.generation ?? 1) + 1;
  return { stored: ctx.store.update(r.kind, merged), headers };
}

export async function replaceCr(
  ctx: ApiContext,
  t: CrTarget,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const r = t.resource;
  const body = await readJsonBody(req);
  const current = existingCr(ctx, t);
  const next = checkEnvelope(body, r.kind, `${r.group}/${r.version}`, t.namespace);
  const rv = (body as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
  if (rv) next.metadata.resourceVersion = rv;
  if (next.metadata.name !== current.metadata.name)
    throw badRequest('the name of the object does not match the name on the URL');
  const { stored, headers } = commit(ctx, t, current, next, url);
  sendJson(res, 200, stored, headers);
}

export async function patchCr(
  ctx: ApiContext,
  t: CrTarget,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  const body = await readJsonBody(req);
  const current = existingCr(ctx, t);
  const next = applyPatch(current, body, type) as KubeObject;
  if (!next || typeof next !== 'object' || !next.metadata)
    throw badRequest('the patch removed the object metadata');
  const rvPatched = next.metadata.resourceVersion !== current.metadata.resourceVersion;
  if (!rvPatched) delete next.metadata.resourceVersion;
  const { stored, headers } = commit(ctx, t, current, next, url);
  sendJson(res, 200, stored, headers);
}

export function deleteCr(ctx: ApiContext, t: CrTarget, res: ServerResponse): void {
  const object = existingCr(ctx, t);
  const deleted = ctx.store.delete(t.resource.kind, t.namespace ?? '', object.metadata.name);
  ctx.log(
    `${t.resource.singular} ${t.namespace ?? ''}/${object.metadata.name} deleted; its pods are garbage-collected`,
  );
  sendJson(res, 200, deleted);
}
