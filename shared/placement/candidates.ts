/**
 * Builds the `candidates` of a decision from the filter pass's per-cluster status (see `memo.ts`):
 * every cluster the job could not use, with the reason it was filtered. Explanations that depend
 * only on the cluster and a key (the policy reason, `blocked`, offline, capacity at the snapshot's
 * own free count) are frozen and shared between decisions, like the prepared `template` ones.
 * Feasible clusters are left to the caller (scored, or waiting for quota).
 */
import type { CandidateExplanation } from '../domain/job.js';
import {
  frozenCandidate,
  UNDECIDED,
  type AcceleratorColumn,
  type PreparedClusters,
} from './prepare.js';
import {
  BLOCKED,
  FEASIBLE,
  filteredSlots,
  FORBID,
  FREE_SHORT,
  GANG_ROOM_SHORT,
  GANG_TOO_SMALL,
  INACTIVE,
  KIND_MISSING,
  KINDS_UNKNOWN,
  NODE_FREE_SHORT,
  NODES_TOO_SMALL,
  OFFLINE,
  REQUIRE,
  type Memo,
} from './memo.js';
import { kindMissing, kindsUnknown, type GangColumns } from './gang.js';
import type { WorkloadKind } from '../domain/job.js';

export interface FilterPass {
  readonly clusters: PreparedClusters;
  readonly memo: Memo;
  readonly col: AcceleratorColumn | undefined;
  /** The column (or `everyCluster`) the filters ran over; undefined: no cluster has the type. */
  readonly scope: Pick<AcceleratorColumn, 'indices' | 'template'> | undefined;
  readonly type: string;
  readonly count: number;
  /** Pods in the gang (1 for a single pod), its GPUs (`nodes × count`) and its workload kind. */
  readonly nodes: number;
  readonly gpus: number;
  readonly kind: WorkloadKind;
  /** The gang's per-cluster node counts, for a gang of pods with GPUs. */
  readonly gang: GangColumns | undefined;
  readonly requireReasons: readonly string[];
  readonly forbidReasons: readonly string[];
  /** Keep at most this many filtered candidates (compact decision); undefined keeps all. */
  readonly max: number | undefined;
}

export interface Built {
  /** Full: one per cluster, feasible positions left to fill. Compact: the kept filtered ones. */
  candidates: CandidateExplanation[];
  omitted: number;
}

export function filtered(clusterId: string, reason: string): CandidateExplanation {
  return { clusterId, feasible: false, reasons: [reason] };
}

function noType(list: PreparedClusters['clusters'], i: number, type: string): CandidateExplanation {
  return filtered(list[i]!.id, `no ${type} nodes (has: ${list[i]!.acceleratorList})`);
}

export function buildFiltered(p: FilterPass): Built {
  const { clusters, memo, col, scope, type, count, max } = p;
  const list = clusters.clusters;
  const { status, arg } = memo.scratch;
  const compact = max !== undefined;
  let candidates: CandidateExplanation[];
  if (compact) candidates = [];
  else if (scope) candidates = scope.template.slice();
  else {
    candidates = new Array<CandidateExplanation>(list.length);
    for (let i = 0; i < list.length; i++) candidates[i] = noType(list, i, type);
  }
  let omitted = 0;
  const indices = scope ? scope.indices : undefined;
  const requires: Array<Array<CandidateExplanation | undefined>> = [];
  for (const r of p.requireReasons) requires.push(filteredSlots(memo, `require|${r}`));
  const forbids: Array<Array<CandidateExplanation | undefined>> = [];
  for (const r of p.forbidReasons) forbids.push(filteredSlots(memo, `forbid|${r}`));
  let small: Array<CandidateExplanation | undefined> | undefined;
  let short: Array<CandidateExplanation | undefined> | undefined;
  let nodeShort: Array<CandidateExplanation | undefined> | undefined;
  let kinds: Array<CandidateExplanation | undefined> | undefined;
  let few: Array<CandidateExplanation | undefined> | undefined;
  let roomShort: Array<CandidateExplanation | undefined> | undefined;
  for (let k = 0; indices && k < indices.length; k++) {
    const i = indices[k]!;
    const code = status[i]!;
    if (code === FEASIBLE) continue;
    let c: CandidateExplanation | undefined;
    switch (code) {
      case NODES_TOO_SMALL: {
        const slots = (small ??= filteredSlots(memo, `small|${type}|${count}`));
        c = slots[i] ??= frozenCandidate(
          list[i]!.id,
          `largest ${type} node has ${gpus(col!.maxPerNode[i]!)}; the job needs ${count} on one node`,
        );
        break;
      }
      case KIND_MISSING:
        c = (kinds ??= filteredSlots(memo, `kind|${p.kind}`))[i] ??= frozenCandidate(
          list[i]!.id,
          kindMissing(p.kind),
        );
        break;
      case KINDS_UNKNOWN:
        c = filteredSlots(memo, 'kinds-unknown')[i] ??= frozenCandidate(
          list[i]!.id,
          kindsUnknown(list[i]!.id),
        );
        break;
      case GANG_TOO_SMALL:
        c = (few ??= filteredSlots(memo, `gang|${type}|${count}|${p.nodes}`))[i] ??=
          frozenCandidate(
            list[i]!.id,
            `needs ${p.nodes} nodes of ${count} ${type}; has ${nodesOf(arg[i]!)}`,
          );
        break;
      case GANG_ROOM_SHORT: {
        const room = arg[i]!;
        const cached = room === Math.min(p.gang!.room[i]!, Math.floor(col!.free[i]! / count));
        if (cached) c = (roomShort ??= filteredSlots(memo, `room|${type}|${count}|${p.nodes}`))[i];
        if (!c) {
          const why = gangRoomShort(p, room);
          if (cached) c = roomShort![i] = frozenCandidate(list[i]!.id, why);
          else c = filtered(list[i]!.id, why);
        }
        break;
      }
      case REQUIRE:
        c = requires[arg[i]!]![i] ??= frozenCandidate(list[i]!.id, p.requireReasons[arg[i]!]!);
        break;
      case FORBID:
        c = forbids[arg[i]!]![i] ??= frozenCandidate(list[i]!.id, p.forbidReasons[arg[i]!]!);
        break;
      case BLOCKED:
        c = filteredSlots(memo, 'blocked')[i] ??= frozenCandidate(
          list[i]!.id,
          'blocked after a failed attempt',
        );
        break;
      case INACTIVE:
        c = list[i]!.inactive!;
        break;
      case OFFLINE: {
        const at = list[i]!.cluster.capacity?.reportedAt;
        c = filteredSlots(memo, 'offline')[i] ??= frozenCandidate(
          list[i]!.id,
          `cluster is offline (last heartbeat ${at})`,
        );
        break;
      }
      case FREE_SHORT: {
        const free = arg[i]!;
        const cached = free === col!.free[i];
        if (cached) c = (short ??= filteredSlots(memo, `free|${type}|${p.gpus}`))[i];
        if (!c) {
          const why = `only ${gpus(free, `free ${type}`)}; the job needs ${p.gpus}`;
          if (cached) c = short![i] = frozenCandidate(list[i]!.id, why);
          else c = filtered(list[i]!.id, why);
        }
        break;
      }
      case NODE_FREE_SHORT: {
        const nodeFree = arg[i]!;
        const cached = nodeFree === Math.min(col!.nodeFree[i]!, col!.free[i]!);
        if (cached) c = (nodeShort ??= filteredSlots(memo, `node|${type}|${count}`))[i];
        if (!c) {
          const why = `at most ${gpus(nodeFree, `free ${type}`)} on one node; the job needs ${count}`;
          if (cached) c = nodeShort![i] = frozenCandidate(list[i]!.id, why);
          else c = filtered(list[i]!.id, why);
        }
        break;
      }
    }
    if (!compact) candidates[i] = c!;
    else if (candidates.length < max) candidates.push(c!);
    else omitted++;
  }
  if (compact) {
    const noTypeCount = list.length - (indices ? indices.length : 0);
    let shown = 0;
    for (let i = 0; i < list.length && shown < noTypeCount && candidates.length < max; i++) {
      const c = scope ? scope.template[i]! : noType(list, i, type);
      if (c === UNDECIDED) continue;
      candidates.push(c);
      shown++;
    }
    omitted += noTypeCount - shown;
  }
  return { candidates, omitted };
}

const nodesOf = (n: number): string => `${n} ${n === 1 ? 'node' : 'nodes'}`;

/** `needs 4 nodes with 8 free nvidia-h100 each; 2 nodes have room`. */
const gangRoomShort = ({ type, count, nodes }: FilterPass, room: number): string =>
  `needs ${nodes} nodes with ${count} free ${type} each; ${nodesOf(room)} ${room === 1 ? 'has' : 'have'} room`;

/** The distinct policy reasons that filtered clusters, in scope order (for a rejection). */
export function policyReasons(p: FilterPass, jobRequires: number): string[] {
  const { status, arg } = p.memo.scratch;
  const out = new Set<string>();
  const indices = p.scope?.indices;
  for (let k = 0; indices && k < indices.length; k++) {
    const i = indices[k]!;
    if (status[i] === REQUIRE && arg[i]! >= jobRequires) out.add(p.requireReasons[arg[i]!]!);
    if (status[i] === FORBID) out.add(p.forbidReasons[arg[i]!]!);
  }
  return [...out];
}

export interface Tally {
  noAccelerator: number;
  nodesTooSmall: number;
  /** Clusters without the job's kind, and clusters with too few nodes large enough for a pod. */
  kindMissing?: number;
  gangTooSmall?: number;
  /** Most nodes large enough for one pod on any of the `gangTooSmall` clusters. */
  gangMost?: number;
  jobConstraints: number;
  policy: string[];
  policyCount: number;
  blocked: number;
}

/** A count of GPUs that agrees with it: "1 free nvidia-a100 GPU", "3 free nvidia-a100 GPUs". */
export const gpus = (n: number, what?: string): string =>
  `${n}${what ? ` ${what}` : ''} ${n === 1 ? 'GPU' : 'GPUs'}`;

/** The verb agreeing with a count: "1 is", "2 are". */
const verb = (n: number, one: string, many: string): string => (n === 1 ? one : many);

/** The message of a rejection: why no cluster could ever run the job, and what to do. */
export function rejection(
  need: string,
  clusterCount: number,
  t: Tally,
  kindNote = '',
  gangNote = '',
): string {
  if (clusterCount === 0) return 'no clusters are registered: add one to the configuration';
  const parts: string[] = [];
  const advice: string[] = [];
  if (t.noAccelerator > 0)
    parts.push(`${t.noAccelerator} ${verb(t.noAccelerator, 'has', 'have')} no such accelerator`);
  if (t.nodesTooSmall > 0)
    parts.push(`${t.nodesTooSmall} ${verb(t.nodesTooSmall, 'has', 'have')} nodes too small for it`);
  const kinds = t.kindMissing ?? 0;
  const gangs = t.gangTooSmall ?? 0;
  if (gangs > 0)
    parts.push(
      `${gangs} ${verb(gangs, 'has', 'have')} too few nodes for the gang (${gangNote}; the most any has is ${t.gangMost ?? 0})`,
    );
  if (t.noAccelerator + t.nodesTooSmall + gangs > 0)
    advice.push(`request another accelerator type or fewer GPUs${gangs > 0 ? ' or nodes' : ''}`);
  if (kinds > 0) {
    parts.push(`${kinds} cannot run the workload kind (${kindNote})`);
    advice.push('install the operator on a cluster or submit another kind');
  }
  if (t.jobConstraints > 0) {
    parts.push(
      `${t.jobConstraints} ${verb(t.jobConstraints, 'does', 'do')} not meet the job's constraints`,
    );
    advice.push("loosen the job's constraints");
  }
  if (t.policyCount > 0) {
    parts.push(
      `${t.policyCount} ${verb(t.policyCount, 'is', 'are')} excluded by the routing policy (${t.policy.join('; ')})`,
    );
    advice.push('ask an operator to change the routing policy');
  }
  if (t.blocked > 0) {
    parts.push(`${t.blocked} ${verb(t.blocked, 'is', 'are')} blocked after failed attempts`);
    advice.push('submit the job again once the failed cluster is healthy');
  }
  advice.push('or add a cluster that can run it');
  return `no cluster can ever run ${need}: ${parts.join(', ')}; ${advice.join(', ')}`;
}
