/**
 * Secrets never come back out: a callback's signing secret is accepted on a job, schedule
 * template or hook template, and every later read shows only that one is set and since when.
 */

/** What reads show of a callback: its URL, and whether (and since when) it has a secret. */
export function callbackView(
  callback: { url?: unknown; secret?: unknown },
  setAt: string,
): { url: unknown; secretSet: boolean; secretSetAt?: string } {
  return callback.secret === undefined
    ? { url: callback.url, secretSet: false }
    : { url: callback.url, secretSet: true, secretSetAt: setAt };
}

/** `template` (a job submission body) with its callback secret replaced by `callbackView`. */
export function withoutSecrets(
  template: Record<string, unknown>,
  setAt: string,
): Record<string, unknown> {
  const cb = template.callback;
  if (cb === null || typeof cb !== 'object' || Array.isArray(cb)) return template;
  return { ...template, callback: callbackView(cb as { url?: unknown; secret?: unknown }, setAt) };
}
