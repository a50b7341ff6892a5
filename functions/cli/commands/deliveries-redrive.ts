/**
 * `deliveries redrive JOB [--delivery ID]…`: send a job's dead-lettered status webhooks again
 * (POST /v1/jobs/JOB/deliveries:redrive). A word of `deliveries` rather than a command group, so
 * `deliveries JOB` keeps working; job ids never read `redrive`.
 */
import { expectPositionals, UsageError, type CommandContext, type Values } from '../args.js';
import { json } from '../format.js';

interface RedriveReply {
  redriven: number;
  ids: string[];
  skipped: Array<{ id: string; reason: string }>;
}

export async function redriveCommand(
  ctx: CommandContext,
  values: Values,
  positionals: string[],
): Promise<number> {
  const [id] = expectPositionals(positionals, ['JOB']);
  const named = (values.delivery as string[] | undefined) ?? [];
  if (named.some((d) => d.trim() === '')) throw new UsageError('--delivery needs a delivery id');
  const { body } = await ctx
    .api()
    .request<RedriveReply>('POST', `/v1/jobs/${encodeURIComponent(id!)}/deliveries:redrive`, {
      body: named.length > 0 ? { deliveryIds: named } : {},
    });
  if (ctx.json) {
    ctx.out(json(body));
    return 0;
  }
  const lines = [
    body.redriven === 0
      ? `no dead letters redriven for job ${id}`
      : `redriven ${body.redriven} delivery(ies) of job ${id}: ${body.ids.join(', ')}`,
    ...body.skipped.map((s) => `skipped ${s.id}: ${s.reason}`),
  ];
  ctx.out(lines.join('\n'));
  return 0;
}

/** Why `deliveries JOB` cannot take `--delivery`. */
export function refuseDeliveryFlag(values: Values): void {
  if (values.delivery !== undefined) {
    throw new UsageError('--delivery goes with deliveries redrive JOB');
  }
}
