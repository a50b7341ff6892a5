/**
 * One list and one watch over several workload kinds, behind the driver's single
 * `listJobs`/`watchJobs`: the list's resourceVersion carries one version per kind
 * (`job=12,jobset=40`), a page token names the kind it continues (`jobset:<token>`). With only
 * Jobs served both are the server's own, unchanged. Pure, edge-safe.
 */
import { WORKLOAD_KINDS, type WorkloadKind } from '../../domain/job.js';

function isKind(value: string): value is WorkloadKind {
  return (WORKLOAD_KINDS as readonly string[]).includes(value);
}

/** The resourceVersion of lists of `kinds`: the server's own when only Jobs are listed. */
export function encodeVersions(versions: Map<WorkloadKind, string>): string {
  if (versions.size === 1 && versions.has('job')) return versions.get('job') ?? '';
  return [...versions].map(([kind, rv]) => `${kind}=${rv}`).join(',');
}

/** Each kind's version from `encodeVersions` (a plain version is the Jobs'). */
export function decodeVersions(rv: string): Map<WorkloadKind, string> {
  const versions = new Map<WorkloadKind, string>();
  if (rv === '') return versions;
  if (!rv.includes('=')) return versions.set('job', rv);
  for (const part of rv.split(',')) {
    const eq = part.indexOf('=');
    const kind = part.slice(0, eq);
    if (eq > 0 && isKind(kind)) versions.set(kind, part.slice(eq + 1));
  }
  return versions;
}

/** Where a paged list over `kinds` resumes: the kind and that kind's own token. */
export function decodeContinue(
  token: string | undefined,
  kinds: readonly WorkloadKind[],
): { kind: WorkloadKind; token?: string } | undefined {
  if (!token) return kinds.length > 0 ? { kind: kinds[0]! } : undefined;
  const colon = token.indexOf(':');
  const kind = colon > 0 ? token.slice(0, colon) : '';
  if (isKind(kind) && kinds.includes(kind)) {
    const inner = token.slice(colon + 1);
    return inner ? { kind, token: inner } : { kind };
  }
  // A token from a server listing Jobs only.
  return { kind: 'job', token };
}

/** The token for the page after one of `kind` that ended with `next` (undefined: all done). */
export function nextContinue(
  kind: WorkloadKind,
  next: string | undefined,
  kinds: readonly WorkloadKind[],
): string | undefined {
  if (next) return kinds.length === 1 && kind === 'job' ? next : `${kind}:${next}`;
  const following = kinds[kinds.indexOf(kind) + 1];
  return following ? `${following}:` : undefined;
}
