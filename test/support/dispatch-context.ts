// Tests build a core context by hand; dispatch needs its policy service and cluster state cache
// beside it. One dispatch context per core context, so every service a test builds over the same
// context shares them, as createCore's services do.
import type { CoreContext } from '../../shared/context/core-context.js';
import { createDispatchContext, type DispatchContext } from '../../shared/dispatch/context.js';

const contexts = new WeakMap<CoreContext, DispatchContext>();

export function dispatchOf(ctx: CoreContext): DispatchContext {
  let d = contexts.get(ctx);
  if (!d) contexts.set(ctx, (d = createDispatchContext(ctx)));
  return d;
}
