/** A kubeconfig with one context per simulated cluster, so kubectl works against them. */
import { stringify } from 'yaml';

export function simulatedKubeconfig(clusters: Array<{ id: string; url: string }>): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: clusters.map((c) => ({ name: c.id, cluster: { server: c.url } })),
    users: [{ name: 'switchyard-sim', user: {} }],
    contexts: clusters.map((c) => ({
      name: c.id,
      context: { cluster: c.id, user: 'switchyard-sim' },
    })),
    'current-context': clusters[0]?.id ?? '',
    preferences: {},
  });
}
