// The Node server builds its Slurm targets with the same code as the remote drainers.
export { slurmTargetFor } from '../common/slurm-target.node.js';
