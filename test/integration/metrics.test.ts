// `/metrics` after a job ran for real: the API over loopback HTTP on a SQLite store, the simulated
// Kubernetes cluster, the pull drainer over the drainer protocol, and the status webhook delivered
// to a local receiver. The scrape is parsed line by line with the text format's grammar (a small
// parser below) and checked for every family docs/metrics.md lists; the per-tenant series show
// only to a token that also holds `metrics:tenants`. A submit's W3C traceparent reaches the drainer's log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordWebhookEvent } from '../../shared/metrics/webhooks.js';
import { createSqliteStore } from '../../shared/store/sqlite.node.js';
import { createDeliveryWorker } from '../../shared/webhooks/delivery-worker.js';
import { ADMIN, jobBody, type Fixture } from '../security/fixture.js';
import { startDrainedApp } from '../support/drained-app.js';
import { waitFor } from '../support/server-process.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const SECRET = 'whsec_bWV0cmljcy1zZWNyZXQtbWV0cmljcy1zZWNyZXQ=';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses the Prometheus text format (0.0.4): `# HELP`/`# TYPE` lines, then samples
 * `name{label="value",...} number`. Throws on any line outside the grammar, on a sample of a family
 * with no TYPE, and on a family declared twice.
 */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`);
  const sample = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$`);
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\["\\n])*)"(,|$)/y;
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    const m = meta.exec(line);
    if (m) {
      if (m[1] === 'TYPE') {
        if (types.has(m[2]!)) throw new Error(`family declared twice: ${line}`);
        if (!['counter', 'gauge', 'histogram'].includes(m[3]!)) throw new Error(`type: ${line}`);
        types.set(m[2]!, m[3]!);
      }
      continue;
    }
    const s = sample.exec(line);
    if (!s) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const family = s[1]!.replace(/_(bucket|sum|count)$/, '');
    if (!types.has(s[1]!) && types.get(family) !== 'histogram') {
      throw new Error(`sample without a TYPE: ${line}`);
    }
    const labels: Record<string, string> = {};
    label.lastIndex = 0;
    while (label.lastIndex < (s[2] ?? '').length) {
      const l = label.exec(s[2]!);
      if (!l) throw new Error(`bad labels: ${line}`);
      labels[l[1]!] = l[2]!;
    }
    samples.push({ name: s[1]!, labels, value: Number(s[3]) });
  }
  return { types, samples };
}

let stack: Awaited<ReturnType<typeof startDrainedApp>>;
let f: Fixture;
let receiver: Awaited<ReturnType<typeof startCountingReceiver>>;

/**
 * A webhook endpoint that refuses its first request (503) and takes the rest (204). It does not
 * verify signatures: the fixture's clock is in 2030, which a verifier would call a replay.
 */
async function startCountingReceiver() {
  const answers: number[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const status = answers.length === 0 ? 503 : 204;
      answers.push(status);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    answers,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
let jobId: string;
let monitor: string;
let platform: string;

const scrape = async (token: string) => {
  const res = await fetch(`${stack.url}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  return parseExposition(await res.text());
};
const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );

beforeAll(async () => {
  stack = await startDrainedApp({ store: createSqliteStore({ path: ':memory:' }) });
  f = stack.f;
  receiver = await startCountingReceiver();
  monitor = (await f.mint(ADMIN, ['metrics:read'])).token;
  platform = (await f.mint(ADMIN, ['metrics:read', 'metrics:tenants'])).token;
  const acme = (await f.mint('acme', ['jobs:submit', 'jobs:read'])).token;
  const body = jobBody('research', {
    env: { SIM_DURATION_SECONDS: '1' },
    callback: { url: receiver.url, secret: SECRET },
  });
  const res = await f.call('POST', '/v1/jobs', { token: acme, body });
  expect(res.status).toBe(202);
  jobId = res.body.id as string;
  expect((await f.call('GET', `/v1/jobs/${jobId}`, { token: acme })).status).toBe(200);
  await waitFor(
    async () => ((await f.store.jobs.get(jobId))?.state === 'succeeded' ? true : undefined),
    15_000,
    'job succeeded',
  );
  const worker = createDeliveryWorker({
    deliveries: f.store.deliveries,
    secretFor: async () => SECRET,
    clock: f.clock,
    backoff: { baseMs: 1000, maxMs: 1000 },
    log: (event) => recordWebhookEvent(f.metrics, event),
  });
  // The receiver refuses the first attempt: one failure, then the retry a second later delivers.
  await worker.runOnce();
  f.clock.advance(2_000);
  await worker.runOnce();
  await worker.close();
  // One delivery per state the job entered, in order: the first refused once, then all taken.
  expect(receiver.answers[0]).toBe(503);
  expect(receiver.answers.slice(1).every((a) => a === 204)).toBe(true);
  expect(receiver.answers.length).toBeGreaterThan(2);
}, 30_000);

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

describe('/metrics after submit → succeed', () => {
  it('parses as the text format and has every family', async () => {
    const { types, samples } = await scrape(monitor);
    const want: Record<string, string> = {
      switchyard_cluster_gpus_total: 'gauge',
      switchyard_cluster_gpus_free: 'gauge',
      switchyard_cluster_state: 'gauge',
      switchyard_cluster_online: 'gauge',
      switchyard_cluster_heartbeat_age_seconds: 'gauge',
      switchyard_queue_depth: 'gauge',
      switchyard_queue_oldest_message_age_seconds: 'gauge',
      switchyard_queue_dead_letters: 'gauge',
      switchyard_jobs_active: 'gauge',
      switchyard_jobs_submitted_total: 'counter',
      switchyard_submit_duration_seconds: 'histogram',
      switchyard_placement_duration_seconds: 'histogram',
      switchyard_webhook_attempts_total: 'counter',
      switchyard_webhook_failures_total: 'counter',
      switchyard_webhook_delivery_seconds: 'histogram',
      switchyard_http_requests_total: 'counter',
    };
    for (const [name, type] of Object.entries(want)) {
      expect({ name, type: types.get(name) }).toEqual({ name, type });
    }
    const gpus = { cluster: 'sim-one', accelerator: 'nvidia-a100' };
    expect(find(samples, 'switchyard_cluster_gpus_total', gpus)[0]?.value).toBeGreaterThan(0);
    expect(find(samples, 'switchyard_cluster_online', { cluster: 'sim-one' })[0]?.value).toBe(1);
    expect(find(samples, 'switchyard_queue_depth', { queue: 'aws' })).toHaveLength(1);
    expect(find(samples, 'switchyard_jobs_active', { state: 'running' })[0]?.value).toBe(0);
    expect(find(samples, 'switchyard_submit_duration_seconds_count')[0]?.value).toBe(1);
    const inf = find(samples, 'switchyard_placement_duration_seconds_bucket', { le: '+Inf' });
    expect(inf[0]?.value).toBeGreaterThanOrEqual(1);
    const delivered = { outcome: 'delivered' };
    const taken = receiver.answers.length - 1;
    expect(find(samples, 'switchyard_webhook_attempts_total', delivered)[0]?.value).toBe(taken);
    const retried = { final: 'false' };
    expect(find(samples, 'switchyard_webhook_failures_total', retried)[0]?.value).toBe(1);
    expect(find(samples, 'switchyard_webhook_delivery_seconds_count')[0]?.value).toBe(taken);
  });

  it("shows the drainer's creates and request-budget wait, shipped with its heartbeat", async () => {
    // The drainer heartbeats every 5 s: wait for the first report after the create.
    const created = await waitFor(
      async () => {
        const { samples } = await scrape(monitor);
        const ok = find(samples, 'switchyard_drainer_creates_total', { outcome: 'ok' });
        return ok.length ? samples : undefined;
      },
      10_000,
      'drainer stats in a heartbeat',
    );
    const ok = { cluster: 'sim-one', outcome: 'ok' };
    expect(find(created, 'switchyard_drainer_creates_total', ok)[0]?.value).toBeGreaterThanOrEqual(
      1,
    );
    const wait = find(created, 'switchyard_drainer_request_budget_wait_seconds_total');
    expect(wait.map((s) => s.labels.cluster)).toEqual(['sim-one']);
    expect(wait[0]!.value).toBeGreaterThanOrEqual(0);
  });

  it('counts API requests by route template, never the raw path', async () => {
    const { samples } = await scrape(monitor);
    const requests = find(samples, 'switchyard_http_requests_total');
    const routes = new Set(requests.map((s) => s.labels.route));
    expect(routes).toContain('/v1/jobs');
    expect(routes).toContain('/v1/jobs/:id');
    expect([...routes].some((r) => r!.includes(jobId))).toBe(false);
    const get = find(samples, 'switchyard_http_requests_total', {
      method: 'GET',
      route: '/v1/jobs/:id',
      status: '200',
    });
    expect(get[0]?.value).toBeGreaterThanOrEqual(1);
  });

  it('shows per-tenant series only to a token with metrics:tenants', async () => {
    const hidden = await scrape(monitor);
    expect(hidden.samples.filter((s) => s.name.startsWith('switchyard_tenant_'))).toEqual([]);
    expect(hidden.samples.some((s) => 'tenant' in s.labels)).toBe(false);
    // One GPU held by a running job, and a job for all 8 that must wait for it: pending.
    const acme = (await f.mint('acme', ['jobs:submit'])).token;
    const long = jobBody('research', { env: { SIM_DURATION_SECONDS: '60' } });
    const held = await f.call('POST', '/v1/jobs', { token: acme, body: long });
    expect(held.status).toBe(202);
    const heldId = held.body.id as string;
    await waitFor(
      async () => ((await f.store.jobs.get(heldId))?.state === 'running' ? true : undefined),
      15_000,
      'long job running',
    );
    const all = jobBody('research', {
      resources: { accelerator: { type: 'nvidia-a100', count: 8 } },
    });
    const waiting = await f.call('POST', '/v1/jobs', { token: acme, body: all });
    expect([waiting.status, waiting.body.state]).toEqual([202, 'pending']);

    const shown = await scrape(platform);
    const tenant = (name: string, labels: Record<string, string>) =>
      find(shown.samples, name, labels).map((s) => s.value);
    expect(tenant('switchyard_tenant_jobs_pending', { tenant: 'acme' })).toEqual([1]);
    const a100 = { tenant: 'acme', accelerator: 'nvidia-a100' };
    expect(tenant('switchyard_tenant_gpus_in_use', a100)).toEqual([1]);
    // The same scrape without metrics:tenants still has no tenant label anywhere.
    const again = await scrape(monitor);
    expect(again.samples.some((s) => 'tenant' in s.labels)).toBe(false);
    expect(find(again.samples, 'switchyard_jobs_active', { state: 'pending' })[0]?.value).toBe(1);
  });
});

describe('traceparent', () => {
  const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

  it("carries the submit's trace id into the create message and the drainer's log", async () => {
    const acme = (await f.mint('acme', ['jobs:submit'])).token;
    const res = await f.call('POST', '/v1/jobs', {
      token: acme,
      body: jobBody('research', { env: { SIM_DURATION_SECONDS: '1' } }),
      headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('traceparent')).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    const id = res.body.id as string;
    expect((await f.store.jobs.get(id))?.traceId).toBe(TRACE);
    const line = await waitFor(
      async () => stack.logged.find((l) => l.includes(id) && l.includes('Kubernetes Job created')),
      10_000,
      'the create logged',
    );
    expect(JSON.parse(line).traceId).toBe(TRACE);
  });

  it('makes a trace id when there is none, and refuses a malformed traceparent with 400', async () => {
    const acme = (await f.mint('acme', ['jobs:submit'])).token;
    const made = await f.call('POST', '/v1/jobs', { token: acme, body: jobBody('research') });
    expect(made.headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const traceId = made.headers.get('traceparent')!.split('-')[1];
    expect((await f.store.jobs.get(made.body.id as string))?.traceId).toBe(traceId);
    for (const bad of ['00-xyz-00f067aa0ba902b7-01', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`]) {
      const res = await f.call('POST', '/v1/jobs', {
        token: acme,
        body: jobBody('research'),
        headers: { traceparent: bad },
      });
      expect([res.status, (res.body.error as { code: string }).code]).toEqual([400, 'BAD_REQUEST']);
      expect((res.body.error as { message: string }).message).toContain('traceparent');
    }
  });
});

describe('/metrics refusals', () => {
  it('answers 401 without a token and 403 to a token without metrics:read', async () => {
    const none = await fetch(`${stack.url}/metrics`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    const reader = (await f.mint(ADMIN, ['jobs:read', 'metrics:tenants'])).token;
    const denied = await fetch(`${stack.url}/metrics`, {
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain('metrics:read');
  });
});
