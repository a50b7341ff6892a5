/**
 * The two patch formats a real API server takes for custom resources: JSON merge patch (RFC 7386,
 * what kubectl sends) and JSON patch (RFC 6902, what @kubernetes/client-node sends by default).
 * Strategic merge patch is refused with 415, as for any custom resource.
 */
import { badRequest, StatusError } from '../errors.js';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base =
    target && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete base[k];
    else base[k] = mergePatch(base[k], v);
  }
  return base;
}

type Container = Record<string, unknown> | unknown[];

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`invalid JSON patch path "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, parts: string[], path: string): Container {
  let current: unknown = doc;
  for (const part of parts.slice(0, -1)) {
    current =
      current && typeof current === 'object'
        ? (current as Record<string, unknown>)[part]
        : undefined;
  }
  if (!current || typeof current !== 'object')
    throw new StatusError(422, 'Invalid', `JSON patch path "${path}" does not exist`);
  return current as Container;
}

export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('a JSON patch must be an array of operations');
  const result = structuredClone(doc);
  for (const raw of ops) {
    const o = (raw ?? {}) as { op?: string; path?: string; value?: unknown };
    const parts = pointer(String(o.path ?? ''));
    const last = parts[parts.length - 1] ?? '';
    const parent = parentOf(result, parts, String(o.path));
    const isArray = Array.isArray(parent);
    const index = last === '-' && isArray ? parent.length : Number(last);
    switch (o.op) {
      case 'add':
        if (isArray) parent.splice(index, 0, o.value);
        else parent[last] = o.value;
        break;
      case 'replace':
        if (isArray) parent[index] = o.value;
        else parent[last] = o.value;
        break;
      case 'remove':
        if (isArray) parent.splice(index, 1);
        else delete parent[last];
        break;
      case 'test': {
        const actual = isArray ? parent[index] : parent[last];
        if (JSON.stringify(actual) !== JSON.stringify(o.value))
          throw new StatusError(422, 'Invalid', `JSON patch test failed at "${o.path}"`);
        break;
      }
      default:
        throw badRequest(
          `JSON patch operation "${String(o.op)}" is not supported (add, replace, remove, test)`,
        );
    }
  }
  return result;
}

/** Applies `body` as the patch `contentType` names. */
export function applyPatch(object: unknown, body: unknown, contentType: string): unknown {
  if (contentType === 'application/merge-patch+json') {
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw badRequest('the patch must be a JSON object');
    return mergePatch(object, body);
  }
  if (contentType === 'application/json-patch+json') return jsonPatch(object, body);
  throw new StatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json (got "${contentType}"; custom resources take no strategic merge patch)`,
  );
}
