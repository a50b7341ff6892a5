/** JSON merge patch (RFC 7386) for the fields a client may change on a Job or Namespace. */
import { badRequest, invalid } from './errors.js';
import type { Resource } from './resources.js';
import type { KubeObject } from './types.js';

function merge(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base =
    target && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete base[k];
    else base[k] = merge(base[k], v);
  }
  return base;
}

/**
 * Applies the patch; only `metadata.labels`, `metadata.annotations` and (Jobs) `spec.suspend`,
 * `spec.ttlSecondsAfterFinished`, `spec.activeDeadlineSeconds` may change, as the rest of a Job
 * is immutable (422). Strategic-merge directives (`$patch`) are not understood.
 */
export function applyMergePatch(
  object: KubeObject,
  patch: unknown,
  resource: Resource,
): KubeObject {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) {
    throw badRequest('the patch must be a JSON object');
  }
  const result = merge(object, patch) as KubeObject;
  const mutable = ['labels', 'annotations'];
  const mutableSpec =
    resource.kind === 'Job' ? ['suspend', 'ttlSecondsAfterFinished', 'activeDeadlineSeconds'] : [];
  const strip = (o: KubeObject) => {
    const meta = Object.fromEntries(
      Object.entries(o.metadata).filter(([k]) => !mutable.includes(k)),
    );
    const spec = Object.fromEntries(
      Object.entries(o.spec ?? {}).filter(([k]) => !mutableSpec.includes(k)),
    );
    return JSON.stringify({ ...o, metadata: meta, spec, status: undefined });
  };
  if (strip(result) !== strip(object)) {
    throw invalid(resource.kind, resource.group, object.metadata.name, [
      {
        reason: 'FieldValueInvalid',
        message:
          'field is immutable (simulated server: only labels, annotations, suspend, ttlSecondsAfterFinished and activeDeadlineSeconds may change)',
        field: 'spec',
      },
    ]);
  }
  result.metadata.generation =
    (object.metadata.generation ?? 0) +
    (JSON.stringify(result.spec) === JSON.stringify(object.spec) ? 0 : 1);
  if (object.metadata.generation === undefined) delete result.metadata.generation;
  return result;
}
