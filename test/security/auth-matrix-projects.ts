// The auth matrix's same-tenant, other-project column: for every route, what a token of the
// same tenant limited to project `other` gets from the fixtures, which live in project `research`.
// A route of the matrix without a cell here fails its first test.
import { jobBody } from './fixture.js';

/** What a token of the same tenant, limited to project `other`, gets from a `research` resource. */
export type OtherProject =
  | 'not-found' // 404, like another tenant's
  | 'absent' // a list or count without the resource
  | 'refused' // acting in project research: 403
  | 'tenant-wide' // tokens are the tenant's, not a project's
  | 'n/a'; // no project involved (public, platform-wide, admin-only, signed)

/** Which cells fit which isolation (the matrix's `Isolation`): a cell is a claim it checks. */
export const CELLS_FOR: Record<string, OtherProject[]> = {
  public: ['n/a'],
  signed: ['n/a'],
  owned: ['not-found', 'tenant-wide'],
  list: ['absent', 'tenant-wide'],
  counts: ['absent'],
  create: ['refused'],
  global: ['n/a'],
  'admin-only': ['n/a'],
  self: ['n/a'],
};

export const OTHER_PROJECT: Record<string, OtherProject> = {
  'GET /healthz': 'n/a',
  'GET /.well-known/jwks.json': 'n/a',
  'GET /metrics': 'n/a',
  'GET /openapi.json': 'n/a',
  'POST /v1/:op{jobs:explain}': 'refused',
  'POST /v1/jobs': 'refused',
  'GET /v1/jobs': 'absent',
  'GET /v1/jobs/:id': 'not-found',
  'POST /v1/jobs/:id/cancel': 'not-found',
  'GET /v1/jobs/:id/deliveries': 'not-found',
  'POST /v1/jobs/:id/:op{deliveries:redrive}': 'not-found',
  'GET /v1/jobs/:id/logs': 'not-found',
  'POST /v1/tokens': 'refused',
  'GET /v1/tokens': 'tenant-wide',
  'DELETE /v1/tokens/:id': 'tenant-wide',
  'GET /v1/signing-keys': 'n/a',
  'POST /v1/signing-keys': 'n/a',
  'DELETE /v1/signing-keys/:kid': 'n/a',
  'POST /v1/hooks': 'refused',
  'GET /v1/hooks': 'absent',
  'GET /v1/hooks/:id': 'not-found',
  'DELETE /v1/hooks/:id': 'not-found',
  'POST /v1/hooks/:id/rotate-secret': 'not-found',
  'POST /v1/hooks/:id': 'n/a',
  'GET /v1/clusters': 'n/a',
  'GET /v1/clusters/:id': 'n/a',
  'GET /v1/queues': 'absent',
  'GET /v1/usage': 'absent',
  'GET /v1/whoami': 'n/a',
  'GET /docs/errors': 'n/a',
  'PUT /v1/clusters/:id': 'n/a',
  'POST /v1/clusters/:id/cordon': 'n/a',
  'POST /v1/clusters/:id/uncordon': 'n/a',
  'POST /v1/clusters/:id/drain': 'n/a',
  'GET /v1/maintenance': 'n/a',
  'POST /v1/maintenance': 'n/a',
  'GET /v1/maintenance/:id': 'n/a',
  'POST /v1/maintenance/:id{mnt_[0-9a-z]+:pause}': 'n/a',
  'POST /v1/maintenance/:id{mnt_[0-9a-z]+:resume}': 'n/a',
  'POST /v1/maintenance/:id{mnt_[0-9a-z]+:cancel}': 'n/a',
  'POST /v1/maintenance/:id/clusters/:cluster/done': 'n/a',
  'POST /v1/drainer/claim': 'n/a',
  'POST /v1/drainer/report': 'n/a',
  'POST /v1/drainer/heartbeat': 'n/a',
  'POST /v1/drainer/logs': 'n/a',
  'POST /v1/drainer/log-positions': 'n/a',
  'POST /v1/drainer/expected': 'n/a',
  'POST /v1/drainer/lease': 'n/a',
  'POST /v1/drainer/settle': 'n/a',
  'GET /v1/policy': 'n/a',
  'GET /': 'n/a',
  'GET /dashboard.css': 'n/a',
  'GET /dashboard.js': 'n/a',
  'PUT /v1/policy': 'n/a',
  'GET /v1/policy/history': 'n/a',
  'GET /v1/policy/versions/:version': 'n/a',
  'GET /v1/policy/diff': 'n/a',
  'POST /v1/:op{policy:rollback}': 'n/a',
  'POST /v1/:op{policy:simulate}': 'n/a',
  'POST /v1/schedules': 'refused',
  'GET /v1/schedules': 'absent',
  'GET /v1/schedules/:id': 'not-found',
  'PATCH /v1/schedules/:id': 'not-found',
  'DELETE /v1/schedules/:id': 'not-found',
};

/** A body that acts in project `research`, for the `refused` cells. */
export const RESEARCH_BODY: Record<string, unknown> = {
  'POST /v1/:op{jobs:explain}': jobBody('research'),
  'POST /v1/jobs': jobBody('research'),
  'POST /v1/tokens': { scopes: ['jobs:read'], projects: ['research'] },
  'POST /v1/hooks': { project: 'research', template: jobBody('research') },
  'POST /v1/schedules': { name: 'other', cron: '0 3 * * *', template: jobBody('research') },
};
