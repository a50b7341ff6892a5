/**
 * Connection reuse for client-node. Its `KubeConfig` builds a new `http(s).Agent` for every request
 * (`applySecurityAuthentication` → `createAgent`), without keep-alive, and node-fetch then sends
 * `Connection: close`: every API call to a cluster opened a TCP (and TLS) connection of its own —
 * the largest single item in `bench:dispatch`'s profile once the simulator left the process. This
 * wraps the authentication so each request gets a kept-alive agent built from the same options,
 * one per distinct set of TLS options (a rotated client certificate gets a new one). Proxy agents
 * and anything else that is not a plain `http.Agent`/`https.Agent` are passed through unchanged.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig, RequestContext } from '@kubernetes/client-node';

type Authentication = Pick<KubeConfig, 'applySecurityAuthentication' | 'getName'>;

const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'];
/** Distinct option sets kept per cluster before the oldest is dropped (rotation bound). */
const MAX_AGENTS = 4;

function keyOf(options: Record<string, unknown>): string {
  return JSON.stringify(TLS_KEYS.map((k) => (options[k] == null ? null : String(options[k]))));
}

/** Swaps a fresh client-node agent for a kept-alive one with the same TLS options. */
export type AgentReuse = (fresh: unknown) => unknown;

/** One cluster's kept-alive agents, shared by everything that sends requests to it. */
export function createAgentReuse(): AgentReuse {
  const agents = new Map<string, http.Agent>();
  return (fresh: unknown): unknown => {
    const kind =
      fresh instanceof https.Agent && fresh.constructor === https.Agent
        ? https.Agent
        : fresh instanceof http.Agent && fresh.constructor === http.Agent
          ? http.Agent
          : undefined;
    if (!kind) return fresh;
    const options = (fresh as http.Agent & { options: Record<string, unknown> }).options;
    const key = `${kind.name}:${keyOf(options)}`;
    let agent = agents.get(key);
    if (!agent) {
      agent = new kind({ ...options, keepAlive: true });
      if (agents.size >= MAX_AGENTS) {
        const [oldest, old] = agents.entries().next().value as [string, http.Agent];
        agents.delete(oldest);
        old.destroy();
      }
      agents.set(key, agent);
    }
    return agent;
  };
}

export function keepAliveAuthentication(
  config: Authentication,
  reuse: AgentReuse = createAgentReuse(),
): Authentication {
  return {
    getName: () => config.getName(),
    async applySecurityAuthentication(context: RequestContext) {
      await config.applySecurityAuthentication(context);
      const agent = context.getAgent();
      if (agent) context.setAgent(reuse(agent) as http.Agent);
    },
  };
}
