/**
 * The error reference served at `GET /docs/errors`: one section per error code, anchored `#CODE`,
 * with its HTTP status, what it means and what to do. Typed `Record<ErrorCode, …>`, so a code added
 * to ../errors.ts without an entry here does not compile, and the page cannot drift from the list.
 * The envelope's `docs` link points here. Edge-safe: a string, no `node:` imports.
 */
import { codeToStatus, ERROR_CODES, type ErrorCode } from '../base/errors.js';

export const ERROR_DOCS_PATH = '/docs/errors';

interface ErrorDoc {
  meaning: string;
  todo: string;
}

export const ERROR_DOCS: Record<ErrorCode, ErrorDoc> = {
  BAD_REQUEST: {
    meaning: 'The request is malformed: not valid JSON, a bad query parameter, a bad id or cursor.',
    todo: 'Read the message, which names the part that is wrong, fix it and send again.',
  },
  INVALID_JOB: {
    meaning: 'The job submission does not match the job schema.',
    todo: '`details.fields` lists every bad field by its dotted path; fix each and submit again.',
  },
  INVALID_CONFIG: {
    meaning:
      'The server or Worker configuration is invalid (on a Worker every request answers 503 with it).',
    todo: 'Fix the setting the message names (config file, environment variable or wrangler var/secret) and restart or redeploy.',
  },
  INVALID_POLICY: {
    meaning: 'The routing policy document is not valid YAML/JSON or breaks the policy schema.',
    todo: '`details.fields` lists every bad field; see docs/policy.md for the format. The current policy stays in force.',
  },
  UNAUTHENTICATED: {
    meaning:
      'No API token, or one that is malformed, expired, revoked or signed by an unknown key.',
    todo: 'Send `Authorization: Bearer <token>` with a valid token; mint a new one if it expired or was revoked.',
  },
  FORBIDDEN: {
    meaning: 'The token is valid but lacks the scope or project this request needs.',
    todo: 'Use a token with the scope the message names (the API table lists each route’s scope), or ask an admin for one.',
  },
  NOT_FOUND: {
    meaning:
      'No such route, or no such job, cluster, schedule, hook or token for your tenant (other tenants’ resources are invisible).',
    todo: 'Check the path and the id; list the resources to find the right one.',
  },
  CONFLICT: {
    meaning: 'The resource already exists, or the change conflicts with another one.',
    todo: 'Read the current state, then choose another name or change the request.',
  },
  IDEMPOTENCY_KEY_IN_USE: {
    meaning: 'A request with the same Idempotency-Key is still being processed.',
    todo: 'Wait a moment and retry with the same key: you will get that request’s result.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    meaning: 'The Idempotency-Key was already used with a different request body.',
    todo: 'Use a new key for a new request; resend the original body to get the original answer.',
  },
  INVALID_STATE: {
    meaning:
      'The resource is in a state that does not allow this action (e.g. cancelling a job that ended).',
    todo: 'Read the resource’s current state; the message says which states allow the action.',
  },
  NESTED_TOO_DEEP: {
    meaning:
      'The JSON or YAML document nests objects or lists deeper than 64 levels; it is refused before it is parsed.',
    todo: 'Flatten the document: no job, schedule or policy needs that much nesting.',
  },
  PAYLOAD_TOO_LARGE: {
    meaning:
      'The request body is over the server’s limit (`server.maxBodyBytes`, 256 KiB by default).',
    todo: 'Send a smaller body: large inputs belong in the image or a data store, not the job spec.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    meaning: 'The body was sent with a Content-Type this route does not take.',
    todo: 'Send `Content-Type: application/json` (`PUT /v1/policy` also takes `application/yaml`).',
  },
  RATE_LIMITED: {
    meaning: 'Too many requests from this token or hook.',
    todo: 'Wait for the seconds in the `Retry-After` header, then retry; spread requests out.',
  },
  QUOTA_EXCEEDED: {
    meaning: 'The change would take a tenant or project past its GPU quota.',
    todo: 'Wait for running work to end, or ask an admin to raise the quota in the policy.',
  },
  VERSION_CONFLICT: {
    meaning: 'The resource was changed by someone else between your read and your write.',
    todo: 'Read it again and retry the change.',
  },
  UNAVAILABLE: {
    meaning: 'A dependency (state store, queue, cluster) is unreachable or overloaded.',
    todo: 'Retry with backoff; if it persists, check `/healthz` and the server logs.',
  },
  INTERNAL: {
    meaning:
      'Something went wrong inside Switchyard; details are in the server log, not the answer.',
    todo: 'Retry once; if it happens again, report it with the `requestId` from the answer.',
  },
};

/** The `docs` link of an error envelope: `<base>/docs/errors#CODE`. */
export function errorDocsUrl(base: string, code: ErrorCode): string {
  return `${base.replace(/\/+$/, '')}${ERROR_DOCS_PATH}#${code}`;
}

const escape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Inline `code` spans to <code>; everything else escaped. */
const inline = (s: string) => escape(s).replace(/`([^`]+)`/g, '<code>$1</code>');

/** The page, built from ERROR_CODES in their order. */
export function renderErrorDocs(): string {
  const sections = ERROR_CODES.map((code) => {
    const doc = ERROR_DOCS[code];
    return `<section id="${code}">
<h2><a href="#${code}">${code}</a> <small>HTTP ${codeToStatus(code)}</small></h2>
<p><strong>Means:</strong> ${inline(doc.meaning)}</p>
<p><strong>What to do:</strong> ${inline(doc.todo)}</p>
</section>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Switchyard error codes</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}
h2{font-size:1.1rem;margin-top:2rem}small{color:#666;font-weight:normal}code{background:#f3f3f3;padding:0 .2em}
section:target{background:#fff8d6}</style></head>
<body>
<h1>Switchyard error codes</h1>
<p>Every error answer is JSON: <code>{ "error": { "code", "message", "details", "retryable", "requestId", "docs" } }</code>.
The <code>code</code> is stable; <code>docs</code> links to its section below.
<code>retryable: true</code> means the same request may succeed later.</p>
${sections}
</body>
</html>
`;
}
