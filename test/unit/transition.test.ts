import { describe, expect, it } from 'vitest';
import type { JobState } from '../../shared/domain/job.js';
import { canTransition } from '../../shared/domain/transition.js';

describe('canTransition', () => {
  const cases: Array<[JobState, JobState, boolean]> = [
    ['received', 'dispatched', true],
    ['received', 'pending', true],
    ['pending', 'dispatched', true],
    ['dispatched', 'submitted', true],
    ['dispatched', 'running', true],
    ['submitted', 'running', true],
    ['running', 'succeeded', true],
    ['running', 'submitted', false],
    ['running', 'running', false],
    ['succeeded', 'failed', false],
    ['cancelled', 'running', false],
    ['rejected', 'dispatched', false],
    ['running', 'cancelled', true],
    ['dispatched', 'pending', true],
    ['running', 'pending', false],
    ['submitted', 'pending', true],
    ['pending', 'running', true],
  ];
  it.each(cases)('%s → %s: %s', (from, to, want) => {
    expect(canTransition(from, to)).toBe(want);
  });
});
