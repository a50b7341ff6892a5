// The dashboard's job list and job view name the workload kind and the gang (pods × GPUs).
import { describe, expect, it } from 'vitest';
import { gpusText, kindText, workloadCell } from '../../shared/dashboard/browser/workload.js';

const h100 = { accelerator: { type: 'nvidia-h100', count: 8 } };

describe('workload text in the dashboard', () => {
  it('shows a gang as pods × GPUs with its kind, a single pod as before', () => {
    const gang = { kind: 'pytorchjob', nodes: 4, resources: h100 };
    expect(gpusText(gang)).toBe('4 × 8 nvidia-h100 = 32 GPUs');
    expect(kindText(gang)).toBe('pytorchjob × 4');
    expect(workloadCell(gang)).toBe('pytorchjob: 4 × 8 nvidia-h100 = 32 GPUs');
    expect(workloadCell({ resources: h100 })).toBe('8 × nvidia-h100');
    expect(kindText({ resources: h100 })).toBe('job');
    expect(workloadCell({ kind: 'rayjob', nodes: 2 })).toBe('rayjob: 2 pods, no GPUs');
    expect(gpusText(undefined)).toBe('—');
  });
});
