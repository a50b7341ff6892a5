/** Validation of workload kinds, gang sizes and per-kind options: every bad field listed. */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/base/errors.js';
import { parseJobSpec } from '../../shared/domain/spec.js';

const base = {
  name: 'finetune',
  project: 'research',
  image: 'ghcr.io/acme/train:1.2',
  resources: { accelerator: { type: 'nvidia-h100', count: 8 } },
};

function refusal(body: unknown): { message: string; fields: Record<string, string> } {
  try {
    parseJobSpec(body);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('INVALID_JOB');
    const list = (e as AppError).details!.fields as Array<{ path: string; message: string }>;
    return {
      message: (e as AppError).message,
      fields: Object.fromEntries(list.map((f) => [f.path, f.message])),
    };
  }
  throw new Error('expected INVALID_JOB');
}

describe('workload kinds and options', () => {
  it('accepts each kind with its options, and leaves absent kind/nodes absent', () => {
    const plain = parseJobSpec(base);
    expect(plain.kind).toBeUndefined();
    expect(plain.nodes).toBeUndefined();
    expect(
      parseJobSpec({
        ...base,
        kind: 'pytorchjob',
        nodes: 4,
        options: { pytorch: { nprocPerNode: 8, masters: 1 } },
      }).options,
    ).toEqual({ pytorch: { nprocPerNode: 8, masters: 1 } });
    expect(
      parseJobSpec({
        ...base,
        kind: 'jobset',
        nodes: 2,
        options: { jobset: { leaders: 0, failurePolicy: { maxRestarts: 3 } } },
      }).options?.jobset?.failurePolicy,
    ).toEqual({ maxRestarts: 3 });
    const ray = parseJobSpec({
      ...base,
      kind: 'rayjob',
      nodes: 2,
      options: {
        ray: { entrypoint: 'python run.py', head: { cpu: '2', memory: '8Gi' } },
      },
    });
    expect(ray.options?.ray?.entrypoint).toBe('python run.py');
    // A kind without options is fine where none are required.
    expect(parseJobSpec({ ...base, kind: 'pytorchjob', nodes: 2 }).options).toBeUndefined();
  });

  it('refuses options of another kind, naming the kind', () => {
    const { fields } = refusal({
      ...base,
      kind: 'rayjob',
      options: { pytorch: { masters: 1 }, ray: { entrypoint: 'python x.py' } },
    });
    expect(fields['options.pytorch']).toBe(
      'pytorch options given for kind rayjob; use options.ray',
    );
    expect(Object.keys(fields)).toEqual(['options.pytorch']);
    expect(refusal({ ...base, options: { jobset: {} } }).fields['options.jobset']).toMatch(
      /jobset options given for kind job; a job takes no options/,
    );
  });

  it('refuses a multi-pod job, pointing to jobset and pytorchjob', () => {
    const { fields } = refusal({ ...base, nodes: 4 });
    expect(fields.nodes).toMatch(/kind job runs one pod.*use kind jobset or pytorchjob/);
    expect(refusal({ ...base, kind: 'job', nodes: 2 }).fields.nodes).toBeDefined();
  });

  it('refuses a command for a rayjob, pointing to the entrypoint', () => {
    const { fields } = refusal({
      ...base,
      kind: 'rayjob',
      command: ['python'],
      args: ['x.py'],
      options: { ray: { entrypoint: 'python x.py' } },
    });
    expect(fields.command).toMatch(/options\.ray\.entrypoint/);
    expect(fields.args).toMatch(/options\.ray\.entrypoint/);
  });

  it('requires a RayJob entrypoint', () => {
    expect(refusal({ ...base, kind: 'rayjob' }).fields['options.ray.entrypoint']).toMatch(
      /required for kind rayjob/,
    );
    expect(
      refusal({ ...base, kind: 'rayjob', options: { ray: {} } }).fields['options.ray.entrypoint'],
    ).toMatch(/required/);
  });

  it('lists every bad option field at once, with the schema errors of other fields', () => {
    const { fields, message } = refusal({
      ...base,
      image: 'Not An Image',
      kind: 'pytorchjob',
      nodes: 2,
      options: {
        pytorch: { nprocPerNode: 0, masters: 2, extra: true },
        jobset: { leaders: 1 },
      },
    });
    expect(Object.keys(fields).sort()).toEqual(
      [
        'image',
        'options.jobset',
        'options.pytorch',
        'options.pytorch.masters',
        'options.pytorch.nprocPerNode',
      ].sort(),
    );
    expect(fields['options.pytorch']).toMatch(/unknown field\(s\): extra/);
    expect(fields['options.pytorch.masters']).toMatch(/at most one Master/);
    expect(fields['options.pytorch.nprocPerNode']).toMatch(/at least 1/);
    expect(message).toMatch(/options\.jobset: jobset options given for kind pytorchjob/);
  });

  it('refuses splits larger than the gang and malformed Ray and JobSet fields', () => {
    const { fields } = refusal({
      ...base,
      kind: 'rayjob',
      nodes: 1,
      options: {
        ray: { entrypoint: '', head: { cpu: 'lots' }, shutdownAfterJobFinishes: 'yes' },
      },
    });
    expect(Object.keys(fields).sort()).toEqual([
      'options.ray.entrypoint',
      'options.ray.head.cpu',
      'options.ray.shutdownAfterJobFinishes',
    ]);
    const js = refusal({
      ...base,
      kind: 'jobset',
      nodes: 3,
      options: { jobset: { leaders: 2, failurePolicy: { maxRestarts: -1 } } },
    }).fields;
    expect(Object.keys(js).sort()).toEqual([
      'options.jobset.failurePolicy.maxRestarts',
      'options.jobset.leaders',
    ]);
  });
});
