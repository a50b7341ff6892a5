/**
 * The version a Kubernetes cluster reports in its capacity heartbeat: the lowest kubelet version
 * of its nodes, so a rolling node upgrade counts as done only when the last node runs the new one.
 */
export interface VersionedNode {
  status?: { nodeInfo?: { kubeletVersion?: string } };
}

const numeric = new Intl.Collator('en', { numeric: true });

/** The lowest kubelet version (numeric order: v1.9 < v1.10); undefined with no node reporting. */
export function lowestKubeletVersion(nodes: readonly VersionedNode[]): string | undefined {
  const versions = nodes
    .map((n) => n.status?.nodeInfo?.kubeletVersion)
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
  return versions.sort(numeric.compare)[0];
}

/** `{ version }` for a capacity report, or nothing when no node says. */
export function versionOf(nodes: readonly VersionedNode[]): { version?: string } {
  const version = lowestKubeletVersion(nodes);
  return version ? { version } : {};
}
