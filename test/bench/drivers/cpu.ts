/**
 * CPU time spent during a phase, by this Node process (every thread, the load generator included)
 * and by the stand-ins' process groups (read from /proc; 0 where there is none), to show where a
 * phase's CPU went on a machine they all share.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU milliseconds of every process in `groups`. */
export function groupCpuMs(groups: readonly number[]): number {
  if (groups.length === 0) return 0;
  let ticks = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (!groups.includes(Number(fields[2]))) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return (ticks * 1000) / clockTicks();
}

/** User + system CPU milliseconds of this process, every thread included. */
export function nodeCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export interface CpuSpent {
  nodeMs: number;
  standInsMs: number;
}

/** Runs `phase` and adds the CPU spent meanwhile to `into`. */
export async function measuringCpu<T>(
  groups: readonly number[],
  into: CpuSpent,
  phase: () => Promise<T>,
): Promise<T> {
  const node = nodeCpuMs();
  const standIns = groupCpuMs(groups);
  const result = await phase();
  into.nodeMs += nodeCpuMs() - node;
  into.standInsMs += groupCpuMs(groups) - standIns;
  return result;
}
