/**
 * A Slurm job's output as the target port's `readOutput` (issue #17). slurmrestd serves no job
 * output, so a drainer next to the cluster reads the job's output file from the shared workdir
 * (`output.node.ts`, Node-only) and this edge-safe part names the stream and asks the reader for the
 * lines past the store's position. One stream per Slurm job, `sy-<job id>-<Slurm job id>` (the
 * file's name without `.out`), replica 0: a gang's `srun` tasks all write to the allocation's one
 * file, interleaved, and the batch script does not label them by rank, so they are not told apart.
 */
import type { TargetJobStatus, TargetOutput } from '../port.js';
import { slurmJobName } from './mapping.js';

/** Reads lines of one Slurm job's output file (output.node.ts). */
export interface SlurmOutputReader {
  /**
   * Up to a bounded read of lines from line `fromLine`, each `<RFC 3339 time> <text>`; complete
   * lines only unless `ended`. Nothing when the file is not there (yet).
   */
  read(jobId: string, slurmJobId: string, fromLine: number, ended: boolean): Promise<string[]>;
}

/** The stream a Slurm job's output is stored under: its output file's name without `.out`. */
export const outputStream = (jobId: string, slurmJobId: string) =>
  `${slurmJobName(jobId)}-${slurmJobId}`;

/** The target's `readOutput` over a reader. */
export function readOutputWith(reader: SlurmOutputReader) {
  return async (
    status: TargetJobStatus,
    positions: Readonly<Record<string, number>>,
    ended: boolean,
  ): Promise<TargetOutput[]> => {
    const stream = outputStream(status.jobId, status.externalId);
    const fromLine = positions[stream] ?? 0;
    const lines = await reader.read(status.jobId, status.externalId, fromLine, ended);
    return lines.length > 0 ? [{ stream, replica: 0, fromLine, lines }] : [];
  };
}
