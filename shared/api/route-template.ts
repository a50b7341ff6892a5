/**
 * The route template a request matched (`/v1/jobs/:id`), for metric labels: never the raw path,
 * whose ids would make one series per job. A request that matched no route is `unmatched`.
 */
import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';

export function routeTemplate(c: Context): string {
  // Middleware is registered for every method (ALL); the endpoint is the last route with a method.
  const endpoint = matchedRoutes(c).findLast((r) => r.method !== 'ALL');
  return endpoint?.path ?? 'unmatched';
}
