// Retiring the signing key that signed the local admin token (.switchyard/token) used to break the
// CLI and dashboard silently. The retire answer now warns, and the next `npm start` issues a new
// token into the file; a start whose token still verifies leaves the file alone.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiClient, startServer } from '../support/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-reissue-'));
const dataDir = join(dir, 'data');
const tokenPath = join(dataDir, 'token');

interface Ring {
  items: Array<{ kid: string; signing: boolean }>;
}
interface Retired {
  retired: string;
  warnings: string[];
}

describe('the local admin token and key retirement', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('warns when the retired key signed the local token, and npm start re-issues it', async () => {
    const first = await startServer({ dataDir });
    const oldToken = first.token;
    try {
      const api = apiClient(first.url, oldToken);
      const original = (await api<Ring>('GET', '/v1/signing-keys')).body.items[0]!.kid;
      const middle = (await api<{ kid: string }>('POST', '/v1/signing-keys')).body.kid;
      expect((await api('POST', '/v1/signing-keys')).status).toBe(201);

      // A key that signed no local token: the general warning only.
      const quiet = await api<Retired>('DELETE', `/v1/signing-keys/${middle}`);
      expect(quiet.status).toBe(200);
      expect(quiet.body.warnings).toHaveLength(1);
      expect(quiet.body.warnings[0]).toContain(`tokens signed by key ${middle}`);
      expect(quiet.body.warnings.join('\n')).not.toContain(tokenPath);

      // The key that signed the token file: the answer says so, and the token stops working.
      const loud = await api<Retired>('DELETE', `/v1/signing-keys/${original}`);
      expect(loud.status).toBe(200);
      expect(loud.body.warnings).toHaveLength(2);
      expect(loud.body.warnings[1]).toContain(`the local admin token in ${tokenPath}`);
      expect(loud.body.warnings[1]).toContain('restart Switchyard');
      expect((await api('GET', '/v1/clusters')).status).toBe(401);
    } finally {
      await first.stop();
    }

    const second = await startServer({ dataDir });
    let reissued: string;
    try {
      reissued = second.token;
      expect(reissued).not.toBe(oldToken);
      expect(second.output()).toContain('(created now, mode 0600)');
      expect(statSync(tokenPath).mode & 0o777).toBe(0o600);
      const api = apiClient(second.url, reissued);
      expect((await api('GET', '/v1/clusters')).status).toBe(200);
      expect((await api('GET', '/v1/signing-keys')).status).toBe(200);
    } finally {
      await second.stop();
    }

    const third = await startServer({ dataDir });
    try {
      expect(third.token).toBe(reissued); // its key is still in the ring: nothing to re-issue
      expect(third.output()).not.toContain('created now');
    } finally {
      await third.stop();
    }
  });
});
