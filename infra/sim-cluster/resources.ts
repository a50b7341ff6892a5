/** The resources the simulated API serves, and discovery documents describing them. */
import { SIM_VERSION } from './nodes.js';
import type { Kind } from './types.js';

export interface Resource {
  plural: string;
  singular: string;
  kind: Kind;
  group: '' | 'batch';
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

export const RESOURCES: Resource[] = [
  {
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    group: '',
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'watch'],
    shortNames: ['ns'],
  },
  {
    plural: 'nodes',
    singular: 'node',
    kind: 'Node',
    group: '',
    namespaced: false,
    verbs: ['get', 'list', 'watch'],
    shortNames: ['no'],
  },
  {
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    group: '',
    namespaced: true,
    verbs: ['delete', 'get', 'list', 'watch'],
    shortNames: ['po'],
    categories: ['all'],
  },
  {
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    group: '',
    namespaced: true,
    verbs: ['get', 'list', 'watch'],
    shortNames: ['ev'],
  },
  {
    plural: 'jobs',
    singular: 'job',
    kind: 'Job',
    group: 'batch',
    namespaced: true,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'watch'],
    categories: ['all'],
  },
];

export function apiVersionOf(resource: Resource): string {
  return resource.group ? `${resource.group}/v1` : 'v1';
}

export function versionInfo(): object {
  return {
    major: '1',
    minor: '32',
    gitVersion: SIM_VERSION,
    gitCommit: 'simulated',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'none (simulated by Switchyard, Node.js)',
    compiler: 'simulated',
    platform: `${process.platform}/${process.arch}`,
  };
}

export function apiVersions(host: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }],
  };
}

const BATCH_GROUP = {
  name: 'batch',
  versions: [{ groupVersion: 'batch/v1', version: 'v1' }],
  preferredVersion: { groupVersion: 'batch/v1', version: 'v1' },
};

export function apiGroupList(): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [BATCH_GROUP] };
}

export function apiGroup(): object {
  return { kind: 'APIGroup', apiVersion: 'v1', ...BATCH_GROUP };
}

export function resourceList(group: '' | 'batch'): object {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/v1` : 'v1',
    resources: RESOURCES.filter((r) => r.group === group).map((r) => ({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
    })),
  };
}
