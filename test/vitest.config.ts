import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The files that use the one local Slurm (test/support/slurm.ts). They share its 8 GPUs and its
// jobs, so they run one at a time, after the other files.
const slurmFiles = [
  'test/e2e/slurm.test.ts',
  'test/integration/slurm-operations.test.ts',
  'test/integration/slurm-target.test.ts',
];
// The files that measure how long the server takes to answer while it is attacked or a receiver
// hangs (a bound in milliseconds): they run alone, after the others, so another test file busy on
// the second core cannot be what they measure.
// The Cloudflare queue contract runs on real time with a 1 s visibility timeout: 250 sequential acks
// beside a busy file outlasted it once, and the unacked messages came back.
const aloneFiles = [
  'test/security/event-loop.test.ts',
  'test/e2e/webhook-fairness.test.ts',
  'test/contract/queue-cloudflare.test.ts',
];

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The AWS SDK warns on Node 20 that releases after January 2027 need Node 22 (TOOLCHAIN.md).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: [...slurmFiles, ...aloneFiles],
          globalSetup: ['test/support/global-setup.ts'],
          // Two files at once: on 2 cores vitest would run one (cores - 1), and most files spend
          // their time waiting on servers, timers and child processes.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'one-at-a-time',
          include: [...slurmFiles, ...aloneFiles],
          globalSetup: ['test/support/slurm-setup.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
