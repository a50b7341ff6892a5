/**
 * The configuration files of the local Slurm (shared/recipes part 1, widened to several nodes):
 * every path and port is the harness's own, so two harnesses (two test files, or a test run beside
 * `npm run dev:slurm`) never share a daemon, a port or a munge socket.
 */

export interface SlurmLayout {
  dir: string;
  clusterName: string;
  partition: string;
  nodes: { name: string; port: number; gpus: number }[];
  ctldPort: number;
}

/** `slurm.conf`: munge between the daemons, JWT for slurmrestd, GPUs as gres, no accounting. */
export function slurmConf(l: SlurmLayout): string {
  const d = l.dir;
  const lines = [
    `ClusterName=${l.clusterName}`,
    'SlurmctldHost=localhost(127.0.0.1)',
    'SlurmUser=root',
    'SlurmdUser=root',
    'AuthType=auth/munge',
    `AuthInfo=socket=${d}/munge/munge.socket`,
    'CredType=cred/munge',
    'AuthAltTypes=auth/jwt',
    `AuthAltParameters=jwt_key=${d}/etc/jwt_hs256.key`,
    `StateSaveLocation=${d}/state`,
    `SlurmdSpoolDir=${d}/spool/%n`,
    `SlurmctldPidFile=${d}/run/slurmctld.pid`,
    `SlurmdPidFile=${d}/run/slurmd-%n.pid`,
    `SlurmctldPort=${l.ctldPort}`,
    `SlurmdPort=${l.nodes[0]?.port ?? 0}`,
    `SlurmctldLogFile=${d}/log/slurmctld.log`,
    `SlurmdLogFile=${d}/log/slurmd-%n.log`,
    'SlurmctldDebug=info',
    'SlurmdDebug=info',
    'MailProg=/bin/true',
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'JobCompType=jobcomp/none',
    'MpiDefault=none',
    'SchedulerType=sched/backfill',
    'SchedulerParameters=bf_interval=1',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_Core',
    'GresTypes=gpu',
    'ReturnToService=2',
    // Advertise more CPUs than a small VM has, so several jobs run at once.
    'SlurmdParameters=config_overrides',
    ...l.nodes.map(
      (n) =>
        `NodeName=${n.name} NodeHostname=localhost NodeAddr=127.0.0.1 Port=${n.port} ` +
        `CPUs=8 RealMemory=8000 Gres=gpu:${n.gpus} State=UNKNOWN`,
    ),
    `PartitionName=${l.partition} Nodes=${l.nodes.map((n) => n.name).join(',')} Default=YES ` +
      'MaxTime=INFINITE State=UP',
  ];
  return lines.join('\n') + '\n';
}

/**
 * `gres.conf`: a gpu gres needs `File=` device entries, or slurmd drops it and drains the node;
 * symlinks to /dev/null count as devices without errors.
 */
export function gresConf(l: SlurmLayout): string {
  return (
    l.nodes
      .filter((n) => n.gpus > 0)
      .map((n) => `NodeName=${n.name} Name=gpu File=${l.dir}/dev/${n.name}/nvidia[0-${n.gpus - 1}]`)
      .join('\n') + '\n'
  );
}
