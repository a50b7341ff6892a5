/** Who is calling, and what they may do. Deny by default. */
import { AppError } from '../base/errors.js';

export const SCOPES = [
  'jobs:submit',
  'jobs:read',
  'jobs:cancel',
  'schedules:write',
  'policy:admin',
  'clusters:admin',
  'tokens:admin',
  /** For drainers: claim dispatches and report job status and cluster capacity. */
  'drainer',
  /** For monitoring: `/metrics` (without it, 401/403). */
  'metrics:read',
  /** With `metrics:read`: the per-tenant series of `/metrics` (pending jobs, GPUs in use). */
  'metrics:tenants',
] as const;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
  tenantId: string;
  tokenId: string;
  scopes: ReadonlySet<string>;
  /** Project names this credential may use; `*` means all. */
  projects: readonly string[];
  /** When the credential stops working (ISO time); tokens it mints cannot outlive it. */
  expiresAt?: string;
  /**
   * Set only on principals Switchyard makes for its own work (`systemPrincipal`), never from a
   * token: their idempotency keys live in a key space no client key can reach.
   */
  system?: 'schedule' | 'hook';
}

/**
 * The principal a schedule or hook acts as: its own tenant and its one project, only the scopes
 * it needs. Never `*` projects, never a token's identity.
 */
export function systemPrincipal(
  tenantId: string,
  project: string,
  source: { kind: 'schedule' | 'hook'; id: string },
  scopes: readonly Scope[],
): Principal {
  return {
    tenantId,
    tokenId: `${source.kind}:${source.id}`,
    scopes: new Set(scopes),
    projects: [project],
    system: source.kind,
  };
}

export function requireScope(p: Principal, scope: Scope): void {
  if (!p.scopes.has(scope)) {
    throw new AppError(
      'FORBIDDEN',
      `this token lacks the scope ${scope}: ask for a token that has it`,
      {
        details: { requiredScope: scope },
      },
    );
  }
}

export function canUseProject(p: Principal, project: string): boolean {
  return p.projects.includes('*') || p.projects.includes(project);
}

export function requireProject(p: Principal, project: string): void {
  if (!canUseProject(p, project)) {
    throw new AppError('FORBIDDEN', `this token may not use project ${project}`, {
      details: { project, allowed: p.projects },
    });
  }
}
