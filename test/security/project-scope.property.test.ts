// Property tests for the project-scoping rule, through the real services on the memory store:
// random principals × jobs, schedules and hooks of several tenants and projects. A principal sees
// a resource iff the tenant matches and its projects hold the resource's project or `*`; reads of
// anything else are 404, lists and counts leave it out, and paged lists are exact.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/domain/principal.js';
import { systemPrincipal } from '../../shared/domain/principal.js';
import { createHookService } from '../../shared/hooks/service.js';
import { tenantQueues } from '../../shared/jobs/queues-view.js';
import { createScheduleService } from '../../shared/schedules/service.js';
import { createFixture, jobBody, type Fixture } from './fixture.js';

const TENANTS = ['acme', 'globex'] as const;
const PROJECTS = ['a', 'b', 'c'] as const;

interface Resource {
  kind: 'job' | 'schedule' | 'hook';
  id: string;
  tenantId: string;
  project: string;
}

const principalArb = fc
  .record({
    tenantId: fc.constantFrom(...TENANTS, 'initech'),
    projects: fc.uniqueArray(fc.constantFrom(...PROJECTS, '*', 'zzz'), {
      minLength: 1,
      maxLength: 4,
    }),
  })
  .map(({ tenantId, projects }): Principal => ({
    tenantId,
    tokenId: 'tok_property',
    scopes: new Set(['jobs:read', 'jobs:submit', 'jobs:cancel', 'schedules:write']),
    projects,
  }));

/** The rule, stated once for the oracle. */
const wantVisible = (p: Principal, r: { tenantId: string; project: string }) =>
  p.tenantId === r.tenantId && (p.projects.includes('*') || p.projects.includes(r.project));

let f: Fixture;
let schedules: ReturnType<typeof createScheduleService>;
let hooks: ReturnType<typeof createHookService>;
const resources: Resource[] = [];

beforeAll(async () => {
  f = await createFixture();
  schedules = createScheduleService(f.ctx);
  hooks = createHookService(f.ctx, f.jobs);
  for (const tenantId of TENANTS) {
    for (const project of PROJECTS) {
      const owner = systemPrincipal(tenantId, project, { kind: 'schedule', id: 'seed' }, [
        'jobs:submit',
        'schedules:write',
      ]);
      for (let i = 0; i < 2; i++) {
        f.clock.advance(1000);
        const { job } = await f.jobs.submit(owner, jobBody(project, { name: `j${i}` }));
        resources.push({ kind: 'job', id: job.id, tenantId, project });
      }
      const s = await schedules.create(owner, {
        name: `s-${project}`,
        cron: '0 3 * * *',
        template: jobBody(project),
      });
      resources.push({ kind: 'schedule', id: s.id, tenantId, project });
      const h = await hooks.create(owner, { project, template: jobBody(project) });
      resources.push({ kind: 'hook', id: h.id, tenantId, project });
    }
  }
});

async function read(p: Principal, r: Resource): Promise<'seen' | 'NOT_FOUND'> {
  try {
    if (r.kind === 'job') await f.jobs.get(p, r.id);
    else if (r.kind === 'schedule') await schedules.get(p, r.id);
    else await hooks.get(p, r.id);
    return 'seen';
  } catch (e) {
    return (e as { code: string }).code as 'NOT_FOUND';
  }
}

describe('project scoping', () => {
  it('a read succeeds iff tenant and project both match (or the token has *); else 404', async () => {
    await fc.assert(
      fc.asyncProperty(principalArb, fc.nat(), async (p, pick) => {
        const r = resources[pick % resources.length]!;
        expect(await read(p, r)).toBe(wantVisible(p, r) ? 'seen' : 'NOT_FOUND');
      }),
      { numRuns: 300 },
    );
  });

  it('lists and queue counts hold exactly the visible resources', async () => {
    await fc.assert(
      fc.asyncProperty(principalArb, async (p) => {
        const want = (kind: Resource['kind']) =>
          resources
            .filter((r) => r.kind === kind && wantVisible(p, r))
            .map((r) => r.id)
            .sort();
        const jobs = await f.jobs.list(p, { limit: 500 });
        expect(jobs.items.map((j) => j.id).sort()).toEqual(want('job'));
        expect((await schedules.list(p)).map((s) => s.id).sort()).toEqual(want('schedule'));
        expect((await hooks.list(p)).map((h) => h.id).sort()).toEqual(want('hook'));
        const q = await tenantQueues(f.ctx, p);
        const counted = q.items.reduce((n, v) => n + v.waiting + v.started, q.pending);
        expect(counted).toBe(want('job').length);
      }),
      { numRuns: 100 },
    );
  });

  it('paged job lists return every visible job once, newest first, for any page size', async () => {
    await fc.assert(
      fc.asyncProperty(principalArb, fc.integer({ min: 1, max: 7 }), async (p, limit) => {
        const want = (await f.jobs.list({ ...p, projects: ['*'] }, { limit: 500 })).items
          .filter((j) => wantVisible(p, { tenantId: j.tenantId, project: j.spec.project }))
          .map((j) => j.id);
        const got: string[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages <= resources.length; pages++) {
          const page = await f.jobs.list(p, { limit, ...(cursor ? { cursor } : {}) });
          expect(page.items.length).toBeLessThanOrEqual(limit);
          got.push(...page.items.map((j) => j.id));
          cursor = page.nextCursor;
          if (cursor === undefined) break;
        }
        expect(got).toEqual(want);
      }),
      { numRuns: 100 },
    );
  });
});
