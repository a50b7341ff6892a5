/**
 * `connect.slurm` of a cluster: a Slurm cluster reached through slurmrestd (shared/targets/slurm).
 * The JWT comes from a file or an environment variable, never from the configuration itself.
 */
import { z } from 'zod';

export const slurmConnectSchema = z
  .strictObject({
    /** slurmrestd's base URL, e.g. http://slurm-head:6820. */
    url: z.url(),
    /** A file holding the JWT (e.g. from `scontrol token`); re-read when it changes. */
    tokenFile: z.string().min(1).optional(),
    /** The environment variable holding the JWT. */
    tokenEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'use an environment variable name')
      .optional(),
    /** The user the token belongs to; jobs run as this user. */
    user: z.string().min(1).max(64),
    partition: z.string().min(1).max(128),
    account: z.string().min(1).max(128).optional(),
    /**
     * Folder on the cluster's shared file system, writable by `user`: working directory and output
     * files. A relative path is resolved against Switchyard's own working directory (a local Slurm).
     */
    workdir: z.string().min(1).max(1024),
    /** `pyxis`: the image through srun --container-image; `none`: the command runs on the node. */
    containers: z.enum(['none', 'pyxis', 'oci']).default('none'),
    /** gres type → accelerator, e.g. `{ a100: nvidia-a100 }`; untyped GPUs are the first pool's. */
    gresTypes: z.record(z.string().min(1), z.string().min(1)).default({}),
    /**
     * `shared`: the drainer reads jobs' output files from `workdir` and ships them as job logs;
     * `none`: it does not. Unset: `shared` when `workdir` exists on the drainer's host.
     */
    output: z.enum(['shared', 'none']).optional(),
  })
  .refine((s) => (s.tokenFile === undefined) !== (s.tokenEnv === undefined), {
    message: 'give exactly one of tokenFile and tokenEnv',
    path: ['tokenFile'],
  });

export type SlurmConnect = z.infer<typeof slurmConnectSchema>;

/**
 * The message for a `connect` that matches no kind: the union alone would only say "Invalid
 * input", so name the kinds, or for a `slurm` block the fields that are wrong in it.
 */
function connectError(input: unknown): string {
  if (input && typeof input === 'object' && 'slurm' in input) {
    const result = slurmConnectSchema.safeParse((input as { slurm: unknown }).slurm);
    if (!result.success) {
      const fields = result.error.issues.map((i) => `slurm.${i.path.join('.')}: ${i.message}`);
      return fields.join('; ');
    }
  }
  return 'use exactly one of simulated, kubeconfig, inCluster or slurm';
}

/** Options for the `connect` union: its message says what to fix. */
export const connectErrors = { error: (issue: { input?: unknown }) => connectError(issue.input) };
