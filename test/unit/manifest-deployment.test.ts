/**
 * The deployment label (docs/targets.md "One Kubernetes cluster, several deployments"): on every
 * kind's object and on every pod template inside it, never settable by a user's own labels, and
 * absent when no deployment is given; the selectors drainers list and watch with.
 */
import { describe, expect, it } from 'vitest';
import type { JobSpec, WorkloadKind } from '../../shared/domain/job.js';
import {
  LABEL_DEPLOYMENT,
  LABEL_JOB_ID,
  managedSelector,
} from '../../shared/targets/kubernetes/labels.js';
import { buildManifest, type WorkloadRequest } from '../../shared/targets/kubernetes/manifest.js';

function request(kind: WorkloadKind, deployment?: string): WorkloadRequest {
  const gang: Partial<JobSpec> = kind === 'job' ? {} : { kind, nodes: 2 };
  return {
    jobId: '01jdep00000000000000000000',
    tenantId: 'acme',
    submittedBy: 'tok_1',
    spec: {
      name: 'train',
      project: 'research',
      image: 'ghcr.io/acme/train:2.0',
      env: {},
      resources: { accelerator: { type: 'nvidia-h100', count: 8 } },
      priority: 100,
      labels: { [LABEL_DEPLOYMENT]: 'spoofed' },
      ...gang,
    } as WorkloadRequest['spec'],
    placement: {
      clusterId: 'gcp-usc1',
      queue: 'gcp',
      namespace: 'sy-acme',
      kubeName: 'sy-01jdep00000000000000000000',
      attempt: 1,
    },
    ...(deployment ? { deployment } : {}),
  };
}

/** Every `labels` map in the object that carries Switchyard's job id: the object's and its pods'. */
function labelMaps(o: unknown, out: Record<string, string>[] = []): Record<string, string>[] {
  if (Array.isArray(o)) o.forEach((v) => labelMaps(v, out));
  else if (o && typeof o === 'object') {
    for (const [k, v] of Object.entries(o)) {
      if (k === 'labels' && v && typeof v === 'object' && LABEL_JOB_ID in v)
        out.push(v as Record<string, string>);
      else labelMaps(v, out);
    }
  }
  return out;
}

describe('the deployment label', () => {
  it.each(['job', 'jobset', 'pytorchjob', 'rayjob'] as const)(
    'is on a %s and every pod template in it',
    (kind) => {
      const maps = labelMaps(buildManifest(request(kind, 'prod')));
      expect(maps.length).toBeGreaterThanOrEqual(2); // the object's and at least one pod template's
      for (const labels of maps) expect(labels[LABEL_DEPLOYMENT]).toBe('prod');
      // Without a deployment (as before deployments had ids), and never the user's spoofed value.
      for (const labels of labelMaps(buildManifest(request(kind))))
        expect(labels[LABEL_DEPLOYMENT]).toBeUndefined();
    },
  );

  it('scopes the selectors drainers list and watch with', () => {
    expect(managedSelector('prod')).toBe(
      'app.kubernetes.io/managed-by=switchyard,switchyard.io/deployment=prod',
    );
    expect(managedSelector(undefined)).toBe('app.kubernetes.io/managed-by=switchyard');
  });
});
