// The SSRF guard through an injected resolver: every numeric and IPv6 form of an internal
// address is refused, one bad answer among good ones refuses the URL, internal names are never
// resolved; and a loopback receiver is reached only through an allow-list entry, with the
// connection pinned to the checked address and no socket opened when refused. A callback that can
// be refused without DNS is refused with the job (or schedule/hook template) that names it.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../shared/store/memory.js';
import type { Delivery } from '../../shared/store/port.js';
import { createDeliveryWorker } from '../../shared/webhooks/delivery-worker.js';
import { blockedReason, formatIp, parseIp } from '../../shared/webhooks/ip.js';
import { createPinnedFetch } from '../../shared/webhooks/pinned-fetch.node.js';
import { createUrlGuard } from '../../shared/webhooks/ssrf.js';
import { generateWebhookSecret } from '../../shared/webhooks/standard-webhooks.js';
import { createFixture, jobBody } from './fixture.js';

const PUBLIC = '93.184.215.14';

function guardWith(answers: Record<string, string[]>, allow: string[] = []) {
  const asked: string[] = [];
  const guard = createUrlGuard({
    resolve: async (host) => {
      asked.push(host);
      const found = answers[host];
      if (!found) throw new Error(`ENOTFOUND ${host}`);
      return found;
    },
    allow,
  });
  return { guard, asked };
}

describe('address forms', () => {
  const wantBlocked: Array<[string, RegExp]> = [
    ['127.0.0.1', /loopback/],
    ['127.1', /loopback/],
    ['127.0.1', /loopback/],
    ['2130706433', /loopback/],
    ['0x7f000001', /loopback/],
    ['0x7f.1', /loopback/],
    ['017700000001', /loopback/],
    ['0177.0.0.01', /loopback/],
    ['127.0.0.1.', /loopback/],
    ['0.0.0.0', /unspecified/],
    ['0', /unspecified/],
    ['10.1.2.3', /private/],
    ['172.31.255.255', /private/],
    ['192.168.0.1', /private/],
    ['100.64.0.1', /carrier-grade/],
    ['100.127.255.254', /carrier-grade/],
    ['169.254.169.254', /metadata/],
    ['0xa9.0xfe.0xa9.0xfe', /metadata/],
    ['2852039166', /metadata/],
    ['169.254.1.1', /link-local/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['240.0.0.1', /reserved/],
    ['::1', /loopback/],
    ['[::1]', /loopback/],
    ['0:0:0:0:0:0:0:1', /loopback/],
    ['::', /unspecified/],
    ['::ffff:127.0.0.1', /IPv4-mapped.*loopback/],
    ['::ffff:7f00:1', /IPv4-mapped.*loopback/],
    ['[::ffff:169.254.169.254]', /metadata/],
    ['::127.0.0.1', /IPv4-compatible.*loopback/],
    ['::ffff:0:10.0.0.1', /SIIT.*private/],
    ['64:ff9b::10.0.0.1', /NAT64.*private/],
    ['64:ff9b::a9fe:a9fe', /NAT64.*metadata/],
    ['2002:7f00:1::', /6to4.*loopback/],
    ['2002:a9fe:a9fe::1', /6to4.*metadata/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
    ['fd00:ec2::254', /metadata/],
    ['fc00::1', /unique-local/],
    ['fdff:ffff::1', /unique-local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['fe80::1%25eth0', /link-local/],
    ['ff02::1', /multicast/],
    ['FF05::2', /multicast/],
  ];
  it.each(wantBlocked)('%s is refused', async (form, reason) => {
    const ip = parseIp(form);
    expect(ip, `parses ${form}`).toBeDefined();
    expect(blockedReason(ip!)).toMatch(reason);
  });

  it.each([
    PUBLIC,
    '8.8.8.8',
    '1.1.1.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('%s is public', (form) => {
    expect(blockedReason(parseIp(form)!)).toBeUndefined();
  });

  it.each([
    '256.0.0.1',
    '1.2.3.4.5',
    '0x',
    '08',
    '1::2::3',
    '12345::',
    'example.com',
    '::ffff:1.2.3',
    '',
  ])('%s is not an IP address', (form) => {
    if (form === '0x') expect(parseIp(form)).toEqual({ version: 4, value: 0n });
    else expect(parseIp(form)).toBeUndefined();
  });

  it('formats addresses in their usual form', () => {
    expect(formatIp(parseIp('0x7f.1')!)).toBe('127.0.0.1');
    expect(formatIp(parseIp('0:0:0:0:0:ffff:7f00:1')!)).toBe('::ffff:7f00:1');
    expect(formatIp(parseIp('2001:db8:0:0:1:0:0:1')!)).toBe('2001:db8::1:0:0:1');
  });
});

describe('createUrlGuard', () => {
  it.each([
    'http://127.1/',
    'http://2130706433/',
    'http://0x7f.0.0.1:8080/x',
    'http://[::ffff:127.0.0.1]/',
    'http://[::1]/',
    'http://[fd00:ec2::254]/latest/meta-data',
    'http://169.254.169.254/latest/meta-data/',
    'https://[64:ff9b::a9fe:a9fe]/',
  ])('refuses the literal %s without resolving', async (url) => {
    const { guard, asked } = guardWith({});
    await expect(guard.check(url)).rejects.toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect(asked).toEqual([]);
  });

  it.each(['127.0.0.1', '::1', '10.0.0.7', '169.254.169.254', '::ffff:10.0.0.7', 'fe80::1%eth0'])(
    'refuses a name that resolves to %s',
    async (address) => {
      const { guard } = guardWith({ 'evil.example': [address] });
      await expect(guard.check('https://evil.example/hook')).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
    },
  );

  it('refuses when any one answer is internal (checks every address)', async () => {
    const { guard } = guardWith({ 'mixed.example': [PUBLIC, '2606:4700::1', '10.0.0.1'] });
    await expect(guard.check('https://mixed.example/')).rejects.toThrow(
      /10\.0\.0\.1, a private address/,
    );
  });

  it('accepts a public name and returns the checked address', async () => {
    const { guard } = guardWith({ 'ok.example': [PUBLIC, '2606:4700::1'] });
    expect(await guard.check('https://OK.example./x')).toEqual({
      address: PUBLIC,
      family: 4,
      hostname: 'ok.example',
      port: 443,
    });
  });

  it.each([
    'http://metadata.google.internal/',
    'http://localhost:8080/',
    'http://a.localhost/',
    'http://metadata/',
  ])('refuses the internal name %s without resolving it', async (url) => {
    const { guard, asked } = guardWith({});
    await expect(guard.check(url)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(asked).toEqual([]);
  });

  it.each([
    'ftp://example.com/',
    'file:///etc/passwd',
    'gopher://example.com/',
    'https://user:pw@example.com/',
  ])('refuses %s', async (url) => {
    await expect(guardWith({}).guard.check(url)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('treats resolver failures and empty answers as retryable', async () => {
    const { guard } = guardWith({ 'empty.example': [] });
    await expect(guard.check('https://empty.example/')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
    });
    await expect(guard.check('https://missing.example/')).rejects.toMatchObject({
      retryable: true,
    });
  });

  it('lets allow-list entries opt targets in: host, host:port, CIDR', async () => {
    const answers = { localhost: ['127.0.0.1', '::1'], 'db.internal': ['10.1.2.3'] };
    expect(
      (await guardWith(answers, ['localhost']).guard.check('http://localhost:9/')).address,
    ).toBe('127.0.0.1');
    const portOnly = guardWith(answers, ['127.0.0.1:8080']).guard;
    expect((await portOnly.check('http://127.0.0.1:8080/')).port).toBe(8080);
    await expect(portOnly.check('http://127.0.0.1:8081/')).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const cidr = guardWith(answers, ['10.0.0.0/8']).guard;
    expect((await cidr.check('http://db.internal/')).address).toBe('10.1.2.3');
    await expect(cidr.check('http://127.0.0.1/')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const v6 = guardWith(answers, ['::1']).guard;
    expect((await v6.check('http://[::1]:5/')).address).toBe('::1');
    expect((await v6.check('http://[0:0::1]:5/')).address).toBe('::1');
  });
});

describe('a loopback receiver', () => {
  let server: Server;
  let port: number;
  let connections = 0;
  const requests: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const secret = generateWebhookSecret();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('secret internal data');
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  function delivery(url: string): Delivery {
    const at = new Date().toISOString();
    return {
      id: `msg_${Math.random().toString(36).slice(2)}`,
      jobId: 'job1',
      tenantId: 'acme',
      url,
      eventType: 'job.running',
      payload: JSON.stringify({ type: 'job.running', data: { id: 'job1' } }),
      state: 'pending',
      attempts: 0,
      nextAttemptAt: at,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
  }

  async function deliver(url: string, allow: string[], answers: Record<string, string[]> = {}) {
    const store = createMemoryStore();
    const { guard, asked } = guardWith(answers, allow);
    const worker = createDeliveryWorker({
      deliveries: store.deliveries,
      secretFor: async () => secret,
      clock: { now: () => Date.now() },
      guard: async (u) => void (await guard.check(u)),
      fetch: createPinnedFetch(guard),
    });
    const d = delivery(url);
    await store.deliveries.create(d);
    await worker.runOnce();
    return { stored: (await store.deliveries.listByJob('job1'))[0]!, asked };
  }

  it('is refused before any socket opens without an allow-list entry', async () => {
    const before = connections;
    const { stored } = await deliver(`http://127.0.0.1:${port}/hook`, []);
    expect(stored.state).toBe('dead');
    expect(stored.lastError).toMatch(/loopback/);
    expect(connections).toBe(before);
  });

  it('is reached with the entry, signed so the reference package verifies it', async () => {
    const { stored } = await deliver(`http://127.0.0.1:${port}/hook`, ['127.0.0.1']);
    expect(stored.state).toBe('delivered');
    const got = requests.at(-1)!;
    const headers = Object.fromEntries(Object.entries(got.headers).map(([k, v]) => [k, String(v)]));
    expect(new Webhook(secret).verify(got.body, headers)).toMatchObject({ type: 'job.running' });
  });

  it('connects to the checked address only, keeping the host name in Host', async () => {
    const { stored, asked } = await deliver(`http://receiver.test:${port}/hook`, ['127.0.0.0/8'], {
      'receiver.test': ['127.0.0.1'],
    });
    expect(stored.state).toBe('delivered');
    expect(requests.at(-1)!.headers.host).toBe(`receiver.test:${port}`);
    // Once by the worker's guard and once inside the pinned fetch, which connects to what it
    // checked itself; the system resolver is never asked (receiver.test does not exist).
    expect(asked).toEqual(['receiver.test', 'receiver.test']);
  });

  it('never echoes the response body into the delivery record', async () => {
    const { stored } = await deliver(`http://127.0.0.1:${port}/hook`, ['127.0.0.1']);
    expect(JSON.stringify(stored)).not.toContain('secret internal data');
  });
});

describe('a callback that no delivery could make', () => {
  // The guard as the composition roots wire it; its resolver must never be asked at submit.
  const { guard, asked } = guardWith({}, ['127.0.0.1']);
  const withCallback = (url: string) =>
    jobBody('research', { callback: { url, secret: generateWebhookSecret() } });

  it('is refused with the job, naming callback.url, before any DNS', async () => {
    const f = await createFixture({ screenCallback: (url) => guard.screen(url) });
    const token = (await f.mint('acme')).token;
    for (const url of [
      'http://10.0.0.7/hook',
      'http://[::ffff:169.254.169.254]/latest',
      'http://metadata.google.internal/computeMetadata/v1/',
      'https://localhost:8443/hook',
      'http://0x7f000002/hook',
    ]) {
      const res = await f.call('POST', '/v1/jobs', { token, body: withCallback(url) });
      expect([url, res.status, (res.body.error as { code: string }).code]).toEqual([
        url,
        400,
        'INVALID_JOB',
      ]);
      const fields = (res.body.error as { details: { fields: Array<{ path: string }> } }).details
        .fields;
      expect(fields.map((x) => x.path)).toEqual(['callback.url']);
    }
    // A schedule's or a hook's job template is refused the same way.
    const template = withCallback('http://192.168.1.10/hook');
    const schedule = await f.call('POST', '/v1/schedules', {
      token,
      body: { name: 'nightly', cron: '0 3 * * *', template },
    });
    const hook = await f.call('POST', '/v1/hooks', {
      token,
      body: { project: 'research', template },
    });
    expect([schedule.status, hook.status]).toEqual([400, 400]);
    expect(schedule.text + hook.text).toContain('callback.url');
    expect(asked).toEqual([]);
  });

  it('is accepted for a public name or an allow-listed address (DNS is checked at delivery)', async () => {
    const f = await createFixture({ screenCallback: (url) => guard.screen(url) });
    const token = (await f.mint('acme')).token;
    for (const url of ['https://hooks.example.com/switchyard', 'http://127.0.0.1:9000/hook']) {
      const res = await f.call('POST', '/v1/jobs', { token, body: withCallback(url) });
      expect([url, res.status]).toEqual([url, 202]);
    }
    expect(asked).toEqual([]);
  });
});
