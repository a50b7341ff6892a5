// ClusterError says itself whether a retry may help, so the drainer keeps no list of its own.
import { describe, expect, it } from 'vitest';
import { ClusterError, type ClusterErrorKind } from '../../shared/targets/kubernetes/port.js';

const cases: Array<{ kind: ClusterErrorKind; wantRetryable: boolean }> = [
  { kind: 'unreachable', wantRetryable: true },
  { kind: 'throttled', wantRetryable: true },
  { kind: 'server', wantRetryable: true },
  { kind: 'forbidden', wantRetryable: false },
  { kind: 'invalid', wantRetryable: false },
  { kind: 'conflict', wantRetryable: false },
  { kind: 'foreign-object', wantRetryable: false },
];

describe('ClusterError.retryable', () => {
  it.each(cases)('$kind → retryable $wantRetryable', ({ kind, wantRetryable }) => {
    expect(new ClusterError(kind, 'x').retryable).toBe(wantRetryable);
  });
});
