/**
 * Routes that describe themselves: `routes.add(def, handler)` registers a Hono handler and keeps
 * its description (method, path, scope, summary, request schema, parameters, responses) next to
 * it, so the OpenAPI document (shared/api/openapi/document.ts) is generated from the routes the
 * app actually mounts instead of a second table. A folder of its own because both the API
 * (shared/api) and the dashboard (shared/dashboard, mounted by the API) declare routes with it.
 * Edge-safe: Hono and zod only.
 */
import { Hono, type Env, type Handler } from 'hono';
import type { z } from 'zod';
import type { Scope } from '../domain/principal.js';

export type JsonSchema = Record<string, unknown>;
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** `bearer`: an API token; `none`: public; `signature`: a webhook signature (hook intake). */
export type Auth = 'bearer' | 'none' | 'signature';

/** The request body: the zod schema the route (or its service) validates with. */
export interface RequestBody {
  /** The component name it is published under (`#/components/schemas/<name>`). */
  name: string;
  schema: z.ZodType;
  required?: boolean;
  /** Extra media types accepted with the same schema (JSON is always accepted). */
  alsoAs?: string[];
}

export interface Param {
  name: string;
  schema: JsonSchema;
  description: string;
}

export interface Answer {
  description: string;
  /** A component schema name, or an inline schema; absent: no body. */
  schema?: string | JsonSchema;
  contentType?: string;
  headers?: Record<string, JsonSchema>;
}

export interface RouteDef {
  method: Method;
  /** Hono form, relative to where the routes are mounted: `/:id`, `/:op{jobs:explain}`. */
  path: string;
  /** The OpenAPI operationId. */
  id: string;
  /** Default: the tag given to `describedRoutes`. */
  tag?: string;
  summary: string;
  /** Default: `bearer`. */
  auth?: Auth;
  /** The scope a bearer token needs; `null`: any valid token. */
  scope?: Scope | null;
  /** An extra condition beyond the scope. */
  also?: string;
  body?: RequestBody;
  query?: Param[];
  headers?: Param[];
  responses: Record<number, Answer>;
  /** Statuses this route can answer with besides those its auth, body and path imply. */
  errors?: number[];
}

/** A route as documented: its full path (still in Hono form) and its tag resolved. */
export interface MountedRoute extends Omit<RouteDef, 'tag' | 'auth'> {
  tag: string;
  auth: Auth;
}

export interface DescribedRoutes<E extends Env> {
  /** The Hono router the handlers are registered on (for `use` middleware, and mounting). */
  readonly hono: Hono<E>;
  /** The descriptions, paths relative to the router. */
  readonly defs: readonly MountedRoute[];
  /** Registers `handlers` for `def.method def.path` and records the description. */
  add<P extends string>(def: RouteDef & { path: P }, ...handlers: Handler<E, P>[]): void;
}

/** A router whose routes carry their own descriptions; `tag` is the default OpenAPI tag. */
export function describedRoutes<E extends Env>(tag: string): DescribedRoutes<E> {
  const hono = new Hono<E>();
  const defs: MountedRoute[] = [];
  return {
    hono,
    defs,
    add(def, ...handlers) {
      const auth = def.auth ?? 'bearer';
      if (auth === 'bearer' && def.scope === undefined) {
        throw new Error(`${def.id}: a bearer route names its scope (null: any valid token)`);
      }
      hono.on([def.method.toUpperCase()], [def.path], ...(handlers as Handler<E>[]));
      defs.push({ ...def, auth, tag: def.tag ?? tag });
    },
  };
}

/** Hono's path joining: `/v1/jobs` + `/` is `/v1/jobs`, `/` + `/healthz` is `/healthz`. */
export function joinPath(prefix: string, path: string): string {
  const base = prefix.replace(/\/+$/, '');
  if (path === '/' || path === '') return base || '/';
  return base + path;
}

/**
 * Mounts `routes` on `app` at `prefix` and returns their descriptions with full paths, for the
 * document. The only way routes are added to the app besides its own middleware.
 */
export function mountDescribed<E extends Env, S extends Env>(
  app: Hono<E>,
  prefix: string,
  routes: DescribedRoutes<S>,
): MountedRoute[] {
  app.route(prefix, routes.hono);
  return routes.defs.map((d) => ({ ...d, path: joinPath(prefix, d.path) }));
}

/**
 * A Hono path in OpenAPI form: `/:id` is `/{id}`; a parameter whose pattern is a literal
 * (`/:op{jobs:explain}`, how a colon is matched in Hono) is that literal; a pattern parameter with
 * a literal `:action` suffix (`/:id{mnt_[0-9a-z]+:pause}`) is `/{id}:pause`.
 */
export function openApiPath(honoPath: string): string {
  return honoPath
    .replace(/\/:(\w+)\{[^{}]*[[\]+*][^{}]*:(\w+)\}/g, '/{$1}:$2')
    .replace(/\/:\w+\{([\w:.-]+)\}/g, '/$1')
    .replace(/\/:(\w+)(?=\/|$)/g, '/{$1}');
}
