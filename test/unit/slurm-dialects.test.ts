/**
 * The Slurm driver's translations, table-tested: submit bodies and decoded answers for v0.0.38
 * (shapes recorded from the real Slurm 22.05) and v0.0.40–v0.0.42 (shapes written from their
 * published OpenAPI: `{set, infinite, number}` numbers, state lists, verbose exit codes), the state
 * mapping, gres parsing and capacity, and the batch script.
 */
import { describe, expect, it } from 'vitest';
import { capacityFromNodes, gpuGres } from '../../shared/targets/slurm/capacity.js';
import {
  DIALECTS,
  fromWaitStatus,
  pickVersion,
  releaseOf,
  type SlurmApiVersion,
  type SlurmSubmit,
} from '../../shared/targets/slurm/dialects.js';
import {
  batchScript,
  parseComment,
  slurmComment,
  targetState,
  toStatus,
  toSubmit,
} from '../../shared/targets/slurm/mapping.js';
import { endedMessage } from '../../shared/dispatch/target-reports.js';
import { aWorkload } from '../contract/target.contract.js';

const submit: SlurmSubmit = {
  script: '#!/bin/bash\nexec true\n',
  name: 'sy-j1',
  comment: 'switchyard job=j1 attempt=1 tenant=t by=u',
  partition: 'gpu',
  account: 'ml',
  cwd: '/shared/sy',
  stdout: '/shared/sy/sy-j1-%j.out',
  env: { PATH: '/usr/bin:/bin', A: 'b=c' },
  nodes: 2,
  gpusPerNode: 4,
  gresType: 'a100',
  timeLimitMinutes: 90,
  cpusPerTask: 8,
  memoryPerNodeMb: 16384,
};

describe('submit bodies', () => {
  it('v0.0.38: environment object, gres, plain numbers', () => {
    expect(DIALECTS['v0.0.38'].submitBody(submit)).toEqual({
      script: submit.script,
      job: {
        name: 'sy-j1',
        comment: submit.comment,
        partition: 'gpu',
        account: 'ml',
        current_working_directory: '/shared/sy',
        standard_output: '/shared/sy/sy-j1-%j.out',
        environment: { PATH: '/usr/bin:/bin', A: 'b=c' },
        nodes: 2,
        gres: 'gpu:a100:4',
        time_limit: 90,
        cpus_per_task: 8,
        memory_per_node: 16384,
      },
    });
  });

  it.each(['v0.0.40', 'v0.0.41', 'v0.0.42'] as SlurmApiVersion[])(
    '%s: environment list, tres_per_node, no-val numbers, node range',
    (version) => {
      const { job } = DIALECTS[version].submitBody(submit) as { job: Record<string, unknown> };
      expect(job.environment).toEqual(['PATH=/usr/bin:/bin', 'A=b=c']);
      expect(job.tres_per_node).toBe('gres/gpu:a100:4');
      expect(job).not.toHaveProperty('gres'); // ignored by these versions: GPUs would be lost
      expect(job.time_limit).toEqual({ set: true, infinite: false, number: 90 });
      expect(job.memory_per_node).toEqual({ set: true, infinite: false, number: 16384 });
      expect([job.minimum_nodes, job.maximum_nodes]).toEqual([2, 2]);
    },
  );

  it('leaves GPUs out entirely for a CPU job', () => {
    const cpu = { ...submit, gpusPerNode: 0 };
    expect(DIALECTS['v0.0.38'].submitBody(cpu).job).not.toHaveProperty('gres');
    expect(DIALECTS['v0.0.42'].submitBody(cpu).job).not.toHaveProperty('tres_per_node');
  });

  it('reads the new job id from each answer shape, with an errors list on success', () => {
    expect(DIALECTS['v0.0.38'].submittedId({ job_id: 7, errors: [{ error_code: 2042 }] })).toBe(7);
    expect(DIALECTS['v0.0.41'].submittedId({ result: { job_id: 9, step_id: 'batch' } })).toBe(9);
    expect(DIALECTS['v0.0.42'].submittedId({ job_id: 11, result: { job_id: 11 } })).toBe(11);
    expect(DIALECTS['v0.0.40'].submittedId({ errors: [] })).toBeUndefined();
  });
});

describe('jobs as each version shows them', () => {
  it.each([
    ['v0.0.38 exit 3 (wait status 768)', 'v0.0.38', { job_state: 'FAILED', exit_code: 768 }, 3],
    ['v0.0.38 cancelled (signal 15)', 'v0.0.38', { job_state: 'CANCELLED', exit_code: 15 }, 143],
    [
      'v0.0.40 exit 3',
      'v0.0.40',
      {
        job_state: ['FAILED'],
        exit_code: { status: ['EXITED'], return_code: { set: true, infinite: false, number: 3 } },
      },
      3,
    ],
    [
      'v0.0.42 killed by SIGKILL',
      'v0.0.42',
      {
        job_state: ['FAILED'],
        exit_code: {
          status: ['SIGNALED'],
          return_code: { set: true, infinite: false, number: 0 },
          signal: { id: { set: true, infinite: false, number: 9 }, name: 'KILL' },
        },
      },
      137,
    ],
    [
      'v0.0.41 pending (no exit code yet)',
      'v0.0.41',
      {
        job_state: ['PENDING'],
        exit_code: { status: ['PENDING'], return_code: { set: false, infinite: false, number: 0 } },
      },
      undefined,
    ],
  ] as const)('%s', (_, version, raw, exitCode) => {
    const job = DIALECTS[version].job({ job_id: 5, name: 'sy-j', comment: '', ...raw });
    expect(job.exitCode).toBe(exitCode);
    expect(job.jobId).toBe(5);
  });

  it('decodes wait statuses like the shell does', () => {
    expect([
      fromWaitStatus(0),
      fromWaitStatus(768),
      fromWaitStatus(256 * 255),
      fromWaitStatus(9),
    ]).toEqual([0, 3, 255, 137]);
  });
});

describe('states', () => {
  it.each([
    [['PENDING'], 'submitted'],
    [['CONFIGURING'], 'submitted'],
    [['RUNNING'], 'running'],
    [['RUNNING', 'COMPLETING'], 'running'],
    [['COMPLETED'], 'succeeded'],
    [['FAILED'], 'failed'],
    [['OUT_OF_MEMORY'], 'failed'],
    [['TIMEOUT'], 'failed'],
    [['NODE_FAIL'], 'failed'],
    [['BOOT_FAIL'], 'failed'],
    [['DEADLINE'], 'failed'],
    [['CANCELLED'], 'cancelled'],
    [['PREEMPTED'], 'waiting'],
    [['REQUEUED'], 'waiting'],
    [['PENDING', 'REQUEUED'], 'waiting'],
  ])('%j → %s', (states, state) => {
    expect(targetState(states)).toBe(state);
  });

  it('names the failure and keeps the exit code; no exit code before the end', () => {
    const base = { jobId: 12, name: 'sy-a', comment: '', nodes: 'n1', reason: 'None' };
    expect(toStatus({ ...base, states: ['TIMEOUT'], exitCode: 0 }, 'a')).toMatchObject({
      state: 'failed',
      reason: 'TIMEOUT',
      exitCode: 0,
      externalId: '12',
    });
    expect(
      toStatus({ ...base, states: ['FAILED'], reason: 'NonZeroExitCode', exitCode: 3 }, 'a'),
    ).toMatchObject({ reason: 'NonZeroExitCode', exitCode: 3 });
    const waiting = toStatus(
      { ...base, states: ['PENDING', 'REQUEUED'], reason: 'BeginTime' },
      'a',
    );
    expect(waiting).toMatchObject({ state: 'waiting', reason: 'BeginTime' });
    expect(waiting.exitCode).toBeUndefined();
  });

  it('speaks of the Slurm job in its messages: state, node(s) and exit code, never a container', () => {
    const base = { jobId: 123, name: 'sy-a', comment: '', reason: 'None' };
    const failed = toStatus({ ...base, states: ['FAILED'], nodes: 'n1', exitCode: 3 }, 'a');
    expect(failed.message).toBe('Slurm job 123 FAILED on node n1 with exit code 3');
    const gang = { ...base, states: ['NODE_FAIL'], nodes: 'n[1-2]', nodeCount: 2, exitCode: 0 };
    expect(toStatus(gang, 'a').message).toBe(
      'Slurm job 123 NODE_FAIL on nodes n[1-2] with exit code 0',
    );
    expect(toStatus({ ...base, states: ['RUNNING'], nodes: 'n2' }, 'a').message).toBe(
      'Slurm job 123 on n2',
    );
    expect(toStatus({ ...base, states: ['PENDING'], nodes: '' }, 'a').message).toBeUndefined();
    expect(
      endedMessage(
        { targetKind: 'slurm', clusterId: 'hpc', message: failed.message },
        { exitCode: 3, reason: 'NonZeroExitCode' },
        failed.message!,
      ),
    ).toBe('Slurm job 123 FAILED on node n1 with exit code 3');
    expect(
      endedMessage(
        { clusterId: 'k' },
        { exitCode: 3, reason: 'Error' },
        'Kubernetes Job is failed',
      ),
    ).toMatch(/^the container ended with exit code 3/);
  });

  it("reads the Slurm release off any answer's meta, in each version's shape", () => {
    const v38 = {
      meta: { Slurm: { version: { major: 22, micro: 8, minor: 5 }, release: '22.05.8' } },
    };
    expect(releaseOf(v38)).toBe('22.05.8');
    const v41 = { meta: { slurm: { version: { major: '24', minor: '5', micro: '3' } } } };
    expect(releaseOf(v41)).toBe('24.05.3'); // v0.0.40+ publishes the parts as strings
    const v42 = { meta: { slurm: { version: { major: 24, minor: 11, micro: 1 } } } };
    expect(releaseOf(v42)).toBe('24.11.1');
    expect(releaseOf({ meta: { slurm: { version: { major: 23, minor: 2, micro: 0 } } } })).toBe(
      '23.02.0',
    );
    expect(releaseOf({})).toBeUndefined();
  });
});

describe('gres and capacity', () => {
  it('parses typed, untyped and indexed gres', () => {
    expect([...gpuGres('gpu:8')]).toEqual([['', 8]]);
    expect([...gpuGres('gpu:a100:4(S:0-1),gpu:h100:2(S:0)')]).toEqual([
      ['a100', 4],
      ['h100', 2],
    ]);
    expect([...gpuGres('gpu:a100:2(IDX:0,2),shard:8')]).toEqual([['a100', 2]]);
    expect([...gpuGres('')]).toEqual([]);
  });

  it('counts free GPUs per node; drained, down and unreachable nodes count for nothing', () => {
    const v38 = DIALECTS['v0.0.38'].node;
    const v40 = DIALECTS['v0.0.40'].node;
    const nodes = [
      v38({
        name: 'a',
        state: 'mixed',
        gres: 'gpu:a100:4',
        gres_used: 'gpu:a100:1(IDX:0)',
        partitions: ['gpu'],
      }),
      v38({
        name: 'b',
        state: 'idle',
        state_flags: ['DRAIN'],
        gres: 'gpu:a100:4',
        gres_used: 'gpu:a100:0',
        partitions: ['gpu'],
      }),
      v40({
        name: 'c',
        state: ['IDLE'],
        gres: 'gpu:a100:4',
        gres_used: 'gpu:a100:0',
        partitions: ['gpu'],
      }),
      v40({
        name: 'd',
        state: ['DOWN', 'NOT_RESPONDING'],
        gres: 'gpu:a100:4',
        gres_used: '',
        partitions: ['gpu'],
      }),
      v40({ name: 'e', state: ['IDLE'], gres: 'gpu:8', gres_used: 'gpu:2', partitions: ['gpu'] }),
      v40({ name: 'f', state: ['IDLE'], gres: 'gpu:a100:8', gres_used: '', partitions: ['other'] }),
    ];
    const report = capacityFromNodes(
      nodes,
      'gpu',
      { gresTypes: { a100: 'nvidia-a100' }, defaultAccelerator: 'nvidia-l4' },
      '2026-01-01T00:00:00.000Z',
    );
    expect(report.accelerators).toEqual({
      'nvidia-a100': { total: 8, free: 7, maxFreePerNode: 4, freePerNode: [4, 3] },
      'nvidia-l4': { total: 8, free: 6, maxFreePerNode: 6, freePerNode: [6] },
    });
    expect(report.kinds).toEqual(['job']);
  });
});

describe('the batch job', () => {
  it('quotes the command, runs a gang through srun, and a pyxis job in its image', () => {
    const w = aWorkload();
    w.spec.command = ['echo', "it's $HOME"];
    expect(batchScript(w, 'none')).toContain(`exec 'echo' 'it'"'"'s $HOME'`);
    w.spec.nodes = 2;
    expect(batchScript(w, 'none')).toContain('exec srun --nodes=2 --ntasks-per-node=1 ');
    expect(batchScript(w, 'pyxis')).toContain("--container-image='busybox:1.36' 'echo'");
  });

  it('names and comments the job so only its own is found again', () => {
    const w = aWorkload();
    w.placement.attempt = 2;
    const s = toSubmit(
      w,
      {
        partition: 'gpu',
        workdir: '/shared/sy/',
        containers: 'none',
        gresTypes: {},
        defaultAccelerator: 'x',
      },
      'alice',
      'prod',
    );
    expect(s.name).toBe(`sy-${w.jobId}`);
    expect(s.comment).toMatch(new RegExp(`^switchyard job=${w.jobId} attempt=2 deployment=prod `));
    expect(parseComment(slurmComment(w, 'prod'))).toEqual({
      jobId: w.jobId,
      attempt: 2,
      deployment: 'prod',
    });
    // A comment written before deployments had ids: parsed, with no deployment.
    expect(parseComment(`switchyard job=${w.jobId} attempt=1 tenant=t by=u`)).toEqual({
      jobId: w.jobId,
      attempt: 1,
    });
    expect(parseComment('my own job')).toBeUndefined();
    expect(s.stdout).toBe(`/shared/sy/sy-${w.jobId}-%j.out`);
    expect(s.env).toMatchObject({ SWITCHYARD_JOB_ID: w.jobId, USER: 'alice', SECS: '1' });
  });

  it('refuses a job with nothing to run when the target runs no containers', () => {
    const w = aWorkload();
    delete w.spec.command;
    expect(() => batchScript(w, 'none')).toThrow(/has no command/);
  });
});

it('picks the newest version both sides speak from the OpenAPI paths', () => {
  expect(pickVersion(['/slurm/v0.0.38/job/submit', '/slurm/v0.0.41/job/submit'])).toBe('v0.0.41');
  expect(pickVersion(['/slurm/v0.0.38/job/submit'])).toBe('v0.0.38');
  expect(pickVersion(['/slurm/v0.0.39/job/submit', '/slurm/v0.0.37/job/submit'])).toBeUndefined();
});
