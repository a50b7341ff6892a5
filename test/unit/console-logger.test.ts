// The console logger's key=value line: a field without a value is left out, never `key=undefined`.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConsoleLogger } from '../../functions/server/logger.js';

afterEach(() => vi.restoreAllMocks());

describe('createConsoleLogger', () => {
  it('leaves out fields whose value is undefined and quotes values with spaces', () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    createConsoleLogger().info('job submitted', {
      jobId: 'j1',
      state: 'pending',
      cluster: undefined,
      note: 'two words',
    });
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/ info {2}job submitted jobId=j1 state=pending note="two words"\n$/);
    expect(written[0]).not.toContain('undefined');
  });
});
