import { describe, expect, it } from 'vitest';
import {
  buildManifest,
  type ManifestOptions,
  isLabelKey,
  isLabelValue,
  sanitizeLabelValue,
} from '../../shared/targets/kubernetes/manifest.js';
import type { Job, JobSpec, Placement } from '../../shared/domain/job.js';

function aJob(spec: Partial<JobSpec> = {}, job: Partial<Job> = {}): Job {
  return {
    id: '01jb0000000000000000000000',
    tenantId: 'acme',
    state: 'dispatched',
    version: 3,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    submittedBy: 'tok_123',
    events: [],
    ...job,
    spec: {
      name: 'train resnet',
      project: 'vision',
      image: 'ghcr.io/acme/train:1.2',
      env: {},
      resources: {},
      priority: 0,
      labels: {},
      ...spec,
    },
  };
}

function aPlacement(job: Job, placement: Partial<Placement> = {}): Placement {
  return {
    clusterId: 'aws-use1',
    queue: 'aws',
    namespace: `sy-${job.tenantId}`,
    kubeName: `sy-${job.id}`,
    attempt: 1,
    ...placement,
  };
}

/** A placed job as the drainer receives it: the create message built from the job. */
const buildJobManifest = (job: Job, placement: Placement, options?: ManifestOptions) =>
  buildManifest(
    {
      jobId: job.id,
      tenantId: job.tenantId,
      submittedBy: job.submittedBy,
      spec: job.spec,
      placement,
    },
    options,
  );

type Obj = Record<string, unknown>;
const podSpecOf = (m: Obj) => ((m.spec as Obj).template as Obj).spec as Obj;
const containerOf = (m: Obj) => (podSpecOf(m).containers as Obj[])[0] as Obj;

describe('buildJobManifest', () => {
  const cases: {
    name: string;
    job: Job;
    placement?: Partial<Placement>;
    ttl?: number;
    wantLabels?: Record<string, string>;
    wantNoLabels?: string[];
    wantResources: Obj;
    wantNodeSelector?: Record<string, string>;
    wantTolerations?: Obj[];
    wantDeadline?: number;
    wantTtl: number;
    wantEnv?: { name: string; value: string }[];
  }[] = [
    {
      name: 'GPU job',
      job: aJob({
        resources: { accelerator: { type: 'nvidia-a100', count: 4 }, cpu: '8', memory: '64Gi' },
      }),
      wantResources: {
        requests: { cpu: '8', memory: '64Gi', 'nvidia.com/gpu': '4' },
        limits: { cpu: '8', memory: '64Gi', 'nvidia.com/gpu': '4' },
      },
      wantNodeSelector: { 'switchyard.io/accelerator': 'nvidia-a100' },
      wantTolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      wantTtl: 3600,
    },
    {
      name: 'CPU-only job',
      job: aJob({ resources: { cpu: '500m' } }),
      ttl: 60,
      wantResources: { requests: { cpu: '500m' }, limits: { cpu: '500m' } },
      wantTtl: 60,
    },
    {
      name: 'no resources at all',
      job: aJob(),
      wantResources: {},
      wantTtl: 3600,
    },
    {
      name: 'zero accelerators is a CPU job',
      job: aJob({ resources: { accelerator: { type: 'nvidia-h100', count: 0 } } }),
      wantResources: {},
      wantTtl: 3600,
    },
    {
      name: 'deadline',
      job: aJob({ deadlineSeconds: 900 }),
      wantResources: {},
      wantDeadline: 900,
      wantTtl: 3600,
    },
    {
      name: 'env sorted by name',
      job: aJob({ env: { ZETA: '1', ALPHA: '2', MID: '3' } }),
      wantResources: {},
      wantEnv: [
        { name: 'ALPHA', value: '2' },
        { name: 'MID', value: '3' },
        { name: 'ZETA', value: '1' },
      ],
      wantTtl: 3600,
    },
    {
      name: 'labels sanitised, user labels kept when valid, never overriding ours',
      job: aJob(
        {
          project: 'Vision Team/Prod!',
          labels: {
            team: 'ml',
            'example.com/cost-center': 'cc-42',
            'switchyard.io/job-id': 'forged',
            'app.kubernetes.io/managed-by': 'helm',
            'app.kubernetes.io/name': 'trainer',
            'node.kubernetes.io/evil': 'x',
            'bad key': 'v',
            ok: 'bad value!',
            long: 'x'.repeat(64),
          },
        },
        { tenantId: '-acme_corp.' },
      ),
      wantLabels: {
        'app.kubernetes.io/managed-by': 'switchyard',
        'switchyard.io/job-id': '01jb0000000000000000000000',
        'switchyard.io/tenant': 'acme_corp',
        'switchyard.io/project': 'Vision-Team-Prod',
        team: 'ml',
        'example.com/cost-center': 'cc-42',
        'app.kubernetes.io/name': 'trainer',
      },
      wantNoLabels: ['node.kubernetes.io/evil', 'bad key', 'ok', 'long'],
      wantResources: {},
      wantTtl: 3600,
    },
  ];

  for (const tc of cases) {
    it(tc.name, () => {
      const placement = aPlacement(tc.job, tc.placement);
      const manifest = buildJobManifest(
        tc.job,
        placement,
        tc.ttl === undefined ? undefined : { ttlSecondsAfterFinished: tc.ttl },
      );
      const m = manifest as unknown as Obj;
      const spec = manifest.spec as Obj;
      const template = spec.template as Obj;
      const podSpec = podSpecOf(m);
      const container = containerOf(m);

      expect(manifest.apiVersion).toBe('batch/v1');
      expect(manifest.kind).toBe('Job');
      expect(manifest.metadata.name).toBe(`sy-${tc.job.id}`);
      expect(manifest.metadata.namespace).toBe(placement.namespace);
      expect(manifest.metadata.annotations).toEqual({
        'switchyard.io/attempt': '1',
        'switchyard.io/job-name': tc.job.spec.name,
        'switchyard.io/submitted-by': 'tok_123',
      });
      expect(spec.backoffLimit).toBe(0);
      // A disruption fails the Job as PodFailurePolicy, which Switchyard retries elsewhere.
      expect(spec.podFailurePolicy).toEqual({
        rules: [
          { action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        ],
      });
      expect(spec.ttlSecondsAfterFinished).toBe(tc.wantTtl);
      expect(spec.activeDeadlineSeconds).toBe(tc.wantDeadline);
      expect((template.metadata as Obj).labels).toEqual(manifest.metadata.labels);
      expect(podSpec.restartPolicy).toBe('Never');
      expect(podSpec.containers).toHaveLength(1);
      expect(container.name).toBe('main');
      expect(container.image).toBe(tc.job.spec.image);
      expect(container.resources).toEqual(tc.wantResources);
      expect(podSpec.nodeSelector).toEqual(tc.wantNodeSelector);
      expect(podSpec.tolerations).toEqual(tc.wantTolerations);
      if (tc.wantEnv) expect(container.env).toEqual(tc.wantEnv);
      if (tc.wantLabels) expect(manifest.metadata.labels).toEqual(tc.wantLabels);
      for (const key of tc.wantNoLabels ?? [])
        expect(manifest.metadata.labels).not.toHaveProperty(key);
      for (const [key, value] of Object.entries(manifest.metadata.labels)) {
        expect(isLabelKey(key), key).toBe(true);
        expect(isLabelValue(value), `${key}=${value}`).toBe(true);
      }
    });
  }

  it('carries command, args and the attempt', () => {
    const job = aJob({ command: ['python', 'train.py'], args: ['--epochs', '3'] });
    const manifest = buildJobManifest(job, aPlacement(job, { attempt: 3 }));
    const container = containerOf(manifest as unknown as Obj);
    expect(container.command).toEqual(['python', 'train.py']);
    expect(container.args).toEqual(['--epochs', '3']);
    expect(manifest.metadata.annotations['switchyard.io/attempt']).toBe('3');
  });

  it('is deterministic: the same input gives a deep-equal output, whatever the key order', () => {
    const a = aJob({
      env: { B: '1', A: '2' },
      labels: { y: '1', x: '2' },
      resources: { accelerator: { type: 'nvidia-h100', count: 8 } },
    });
    const b = aJob({
      env: { A: '2', B: '1' },
      labels: { x: '2', y: '1' },
      resources: { accelerator: { type: 'nvidia-h100', count: 8 } },
    });
    const first = buildJobManifest(a, aPlacement(a));
    expect(buildJobManifest(a, aPlacement(a))).toEqual(first);
    const other = buildJobManifest(b, aPlacement(b));
    expect(JSON.stringify(other)).toBe(JSON.stringify(first));
  });

  it('does not mutate or alias its input', () => {
    const job = aJob({ command: ['run'], env: { A: '1' }, labels: { team: 'ml' } });
    const before = structuredClone(job);
    const manifest = buildJobManifest(job, aPlacement(job));
    (containerOf(manifest as unknown as Obj).command as string[]).push('x');
    expect(job).toEqual(before);
  });
});

describe('sanitizeLabelValue', () => {
  const cases: { in: string; want: string }[] = [
    { in: 'acme', want: 'acme' },
    { in: '', want: '' },
    { in: 'a b/c', want: 'a-b-c' },
    { in: '--x--', want: 'x' },
    { in: 'é', want: '' },
    { in: 'a'.repeat(70), want: 'a'.repeat(63) },
    { in: `${'a'.repeat(62)}.b`, want: 'a'.repeat(62) },
  ];
  for (const tc of cases) {
    it(JSON.stringify(tc.in).slice(0, 30), () => {
      const got = sanitizeLabelValue(tc.in);
      expect(got).toBe(tc.want);
      expect(isLabelValue(got)).toBe(true);
    });
  }
});
