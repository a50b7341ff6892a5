/**
 * `POST /sim/upgrade { version, nodeRestartMs? }`: the simulated cluster accepts an upgrade the
 * way a managed node pool rolls one — node by node, each NotReady while its kubelet restarts, then
 * Ready again reporting the new kubelet version — so a maintenance plan runs end to end here.
 * Answers 202 at once with the nodes in the order they restart; a second upgrade while one runs is
 * refused with 409.
 */
import { StatusError } from './errors.js';
import type { Store } from './store.js';
import type { NodeObject } from './types.js';

const VERSION = /^v\d+\.\d+\.\d+[-+.a-z0-9]*$/;
const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface UpgradeRequest {
  version: string;
  nodeRestartMs: number;
}

/** The body checked, with every bad field named. */
export function parseUpgrade(body: unknown): UpgradeRequest {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof b.version !== 'string' || !VERSION.test(b.version)) {
    problems.push('version must be a kubelet version like "v1.33.1"');
  }
  const restart = b.nodeRestartMs ?? 200;
  if (
    typeof restart !== 'number' ||
    !Number.isInteger(restart) ||
    restart < 0 ||
    restart > 60_000
  ) {
    problems.push('nodeRestartMs must be a whole number of milliseconds from 0 to 60000');
  }
  const unknown = Object.keys(b).filter((k) => k !== 'version' && k !== 'nodeRestartMs');
  if (unknown.length) problems.push(`unknown field(s): ${unknown.join(', ')}`);
  if (problems.length) {
    throw new StatusError(400, 'BadRequest', `the upgrade is not valid: ${problems.join('; ')}`);
  }
  return { version: b.version as string, nodeRestartMs: restart as number };
}

function setReady(store: Store, name: string, ready: boolean, version?: string): void {
  const node = store.get<NodeObject>('Node', '', name);
  if (!node) return;
  const now = stamp(new Date());
  node.status.conditions = [
    ...node.status.conditions.filter((c) => c.type !== 'Ready'),
    {
      type: 'Ready',
      status: ready ? 'True' : 'False',
      reason: ready ? 'KubeletReady' : 'KubeletNotReady',
      message: ready
        ? 'simulated kubelet is posting ready status'
        : 'simulated kubelet is restarting for an upgrade',
      lastHeartbeatTime: now,
      lastTransitionTime: now,
    },
  ];
  if (version) node.status.nodeInfo = { ...node.status.nodeInfo, kubeletVersion: version };
  store.update('Node', node);
}

/** Rolls upgrades over the cluster's nodes, one upgrade at a time. */
export function createUpgrader(store: Store, log: (line: string) => void) {
  let running: string | undefined;
  return {
    start(body: unknown, delay: (ms: number) => Promise<void>) {
      const req = parseUpgrade(body);
      if (running) {
        throw new StatusError(409, 'Conflict', `an upgrade to ${running} is still rolling`);
      }
      const nodes = store
        .list<NodeObject>('Node')
        .map((n) => n.metadata.name)
        .sort();
      running = req.version;
      log(`upgrade to ${req.version}: restarting ${nodes.length} node(s) one by one`);
      void (async () => {
        try {
          for (const name of nodes) {
            setReady(store, name, false);
            await delay(req.nodeRestartMs);
            setReady(store, name, true, req.version);
          }
          log(`upgrade to ${req.version} done`);
        } finally {
          running = undefined;
        }
      })();
      return { version: req.version, nodes };
    },
    /** The upgrade rolling now, if any. */
    status: () => ({ rolling: running ?? null }),
  };
}
