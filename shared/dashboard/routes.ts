/**
 * The web dashboard at `/`: one static page, its stylesheet and its script. Everything it shows
 * comes from the `/v1` API, called from the browser with the token the user pastes, so these
 * routes need no token and touch no store. Edge-safe: plain strings, no `node:` imports (the script
 * is the browser/*.ts bundle, generated into generated/script.ts by `npm run build:dashboard`).
 */
import type { Context, Env } from 'hono';
import { describedRoutes, type DescribedRoutes, type RouteDef } from '../http/route-def.js';
import { DASHBOARD_CSS } from './style.js';
import { DASHBOARD_HTML } from './page.js';
import { DASHBOARD_JS } from './generated/script.js';

/** No inline script or style, no third-party origin, no framing, no form posts. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-cache',
};

function asset(c: Context, body: string, contentType: string): Response {
  return c.body(body, 200, { ...SECURITY_HEADERS, 'content-type': contentType });
}

/** A public `GET` of one static text asset, described for the API document. */
function page(
  path: string,
  id: string,
  summary: string,
  description: string,
  contentType: string,
): RouteDef {
  const responses = { 200: { description, schema: { type: 'string' }, contentType } };
  return { method: 'get', path, id, summary, auth: 'none', responses };
}

/** `GET /`, `/dashboard.css` and `/dashboard.js`; mount at `/` outside `/v1`. */
export function dashboardRoutes(): DescribedRoutes<Env> {
  const r = describedRoutes<Env>('dashboard');
  r.add(page('/', 'getDashboard', 'The web dashboard', 'the page', 'text/html'), (c) =>
    asset(c, DASHBOARD_HTML, 'text/html; charset=utf-8'),
  );
  r.add(
    page('/dashboard.css', 'getDashboardCss', "The dashboard's stylesheet", 'CSS', 'text/css'),
    (c) => asset(c, DASHBOARD_CSS, 'text/css; charset=utf-8'),
  );
  r.add(
    page(
      '/dashboard.js',
      'getDashboardJs',
      "The dashboard's script",
      'JavaScript',
      'text/javascript',
    ),
    (c) => asset(c, DASHBOARD_JS, 'text/javascript; charset=utf-8'),
  );
  return r;
}
