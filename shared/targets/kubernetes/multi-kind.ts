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

/** One kind's page as the server returned it. */
export interface KindPage<T> {
  items: T[];
  resourceVersion: string;
  continue?: string;
}

/**
 * One page of up to `limit` items over `kinds`, filled across kinds in turn (a kind that ends
 * part-way through the page hands the rest of the page to the next). A token is returned only
 * when something is left: at a kind boundary the following kinds are probed (limit 1) so the
 * last page carries no token and no page is empty, as a single server's paging behaves.
 */
export async function listAcrossKinds<T>(
  kinds: readonly WorkloadKind[],
  limit: number | undefined,
  token: string | undefined,
  list: (kind: WorkloadKind, limit: number | undefined, token?: string) => Promise<KindPage<T>>,
): Promise<{ items: [WorkloadKind, T][]; resourceVersion: string; continue?: string }> {
  const items: [WorkloadKind, T][] = [];
  const versions = new Map<WorkloadKind, string>();
  let at = decodeContinue(token, kinds);
  while (at) {
    const room = limit === undefined ? undefined : limit - items.length;
    if (room !== undefined && room <= 0) {
      // Full at a kind boundary: is anything left in this or a following kind?
      const probe = await list(at.kind, 1, at.token);
      if (probe.items.length > 0) break;
      at = nextKind(at.kind, kinds);
      continue;
    }
    const page = await list(at.kind, room, at.token);
    versions.set(at.kind, page.resourceVersion);
    for (const item of page.items) items.push([at.kind, item]);
    if (page.continue) {
      at = { kind: at.kind, token: page.continue };
      if (room === undefined || items.length < (limit ?? 0)) continue;
      break;
    }
    at = nextKind(at.kind, kinds);
  }
  const next = at ? encodeAt(at, kinds) : undefined;
  return { items, resourceVersion: encodeVersions(versions), ...(next ? { continue: next } : {}) };
}

function nextKind(
  kind: WorkloadKind,
  kinds: readonly WorkloadKind[],
): { kind: WorkloadKind; token?: string } | undefined {
  const following = kinds[kinds.indexOf(kind) + 1];
  return following ? { kind: following } : undefined;
}

function encodeAt(at: { kind: WorkloadKind; token?: string }, kinds: readonly WorkloadKind[]) {
  if (kinds.length === 1 && at.kind === 'job' && at.token) return at.token;
  return `${at.kind}:${at.token ?? ''}`;
}
