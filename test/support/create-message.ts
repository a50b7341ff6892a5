// A valid queue create message for one 1-GPU A100 job of tenant `acme` on `clusterId`, as the
// control plane publishes it (parsed by the real schema): for the drainer tests that put workloads
// on a simulated cluster without a control plane.
import { createMessageSchema, type CreateMessage } from '../../shared/protocol/messages.js';

export const CREATE_NAMESPACE = 'sy-acme';

export function aCreateMessage(jobId: string, clusterId: string, seconds: number): CreateMessage {
  return createMessageSchema.parse({
    kind: 'create',
    jobId,
    tenantId: 'acme',
    submittedBy: 'alice',
    placement: {
      clusterId,
      queue: 'aws',
      namespace: CREATE_NAMESPACE,
      kubeName: `sy-${jobId}`,
      attempt: 1,
    },
    spec: {
      name: 'train',
      project: 'research',
      image: 'busybox:1.36',
      resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
      env: { SIM_DURATION_SECONDS: String(seconds) },
    },
  });
}
