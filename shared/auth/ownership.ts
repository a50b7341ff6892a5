/**
 * The one rule for what a principal may see: a job, schedule or hook is visible when its tenant is
 * the principal's and its project is one the principal may use (`*` sees the whole tenant).
 * Everything else is answered exactly like another tenant's: 404 on direct access, absent from
 * lists and counts. Every service loads the caller's resources through `loadOwned`.
 */
import { notFound } from '../base/errors.js';
import type { Job } from '../domain/job.js';
import type { Hook, Schedule } from '../store/port.js';
import type { Principal } from '../domain/principal.js';
import { canUseProject } from '../domain/principal.js';

export interface Owner {
  tenantId: string;
  project: string;
}

/** May `p` see a resource of `tenantId` in `project`? */
export function canSee(p: Principal, tenantId: string, project: string): boolean {
  return p.tenantId === tenantId && canUseProject(p, project);
}

/** A kind of owned resource: its name in messages, how to load one, and who owns it. */
export interface OwnedKind<T> {
  name: string;
  load(id: string): Promise<T | undefined>;
  owner(resource: T): Owner;
}

/** The resource `id` if `p` may see it; otherwise (or if it does not exist) 404 NOT_FOUND. */
export async function loadOwned<T>(p: Principal, kind: OwnedKind<T>, id: string): Promise<T> {
  const found = await kind.load(id);
  if (found === undefined) throw notFound(`${kind.name} ${id}`);
  const { tenantId, project } = kind.owner(found);
  if (!canSee(p, tenantId, project)) throw notFound(`${kind.name} ${id}`);
  return found;
}

export const jobOwner = (j: Job): Owner => ({ tenantId: j.tenantId, project: j.spec.project });
export const hookOwner = (h: Hook): Owner => ({ tenantId: h.tenantId, project: h.project });
/** A schedule's project is its template's (checked to be a valid job when it was set). */
export const scheduleOwner = (s: Schedule): Owner => ({
  tenantId: s.tenantId,
  project: typeof s.template.project === 'string' ? s.template.project : '',
});
