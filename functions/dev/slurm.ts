/**
 * `npm run dev:slurm`: the local Slurm of infra/slurm (two nodes, 4 fake GPUs each, slurmrestd
 * with JWT) in `.switchyard/slurm`, with the `connect.slurm` settings to paste into a cluster of the
 * configuration. Refuses with the apt line when the packages are missing. Ctrl-C stops it;
 * `npm run dev:slurm -- down` stops daemons a killed run left behind.
 */
import { join } from 'node:path';
import { startSlurm, slurmUnavailable, stopSlurmIn } from '../../infra/slurm/index.js';

async function main(): Promise<void> {
  const dir = join(process.env.SWITCHYARD_DATA_DIR ?? '.switchyard', 'slurm');
  if (process.argv[2] === 'down') return stopSlurmIn(dir);
  const missing = slurmUnavailable();
  if (missing) throw new Error(missing);
  await stopSlurmIn(dir); // daemons of an earlier run that was killed
  const port = process.env.SLURMRESTD_PORT ? Number(process.env.SLURMRESTD_PORT) : 6820;
  const slurm = await startSlurm({ dir, restPort: port });
  process.stdout.write(
    [
      `slurmrestd:  ${slurm.url} (user ${slurm.user}, nodes ${slurm.nodeNames.join(', ')})`,
      `token file:  ${slurm.tokenFile}`,
      `Slurm CLI:   SLURM_CONF=${join(slurm.dir, 'etc', 'slurm.conf')} squeue`,
      '',
      'Use it in a cluster of the configuration (infra/config/with-slurm.yaml):',
      '  connect:',
      '    slurm:',
      `      url: ${slurm.url}`,
      `      tokenFile: ${slurm.tokenFile}`,
      `      user: ${slurm.user}`,
      `      partition: ${slurm.partition}`,
      `      workdir: ${slurm.workdir}`,
      '',
    ].join('\n') + '\n',
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await slurm.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  process.stderr.write(`cannot start Slurm: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
