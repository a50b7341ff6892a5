/**
 * A multi-node job's replicas in its detail: the gang (kind, pods × GPUs) and each pod as the
 * drainer last reported it (replica, pod, node, phase, how it ended). Rendering only.
 */
import { replicaEnded, replicaName } from '../../domain/replica.js';
import { badge, h, headRow, type Child } from './dom.js';
import type { Job, JobReplica } from './types.js';
import { gpusText, kindText } from './workload.js';

const PHASE_KIND: Record<string, string> = {
  Pending: 'warn',
  Running: 'info',
  Succeeded: 'ok',
  Failed: 'bad',
};

function replicaRow(r: JobReplica): HTMLTableRowElement {
  return h('tr', { dataset: { replica: (r.role ? r.role + '-' : '') + r.index } }, [
    h('td', { text: replicaName(r) }),
    h('td', { class: 'mono', text: r.pod }),
    h('td', { class: 'mono', text: r.node || '—' }),
    h('td', null, badge(r.phase, PHASE_KIND[r.phase] || '')),
    h('td', { class: 'mono', text: replicaEnded(r) || '—' }),
  ]);
}

/** The Replicas section; nothing for a one-pod job without reported replicas. */
export function replicasSection(job: Job): Child {
  const replicas = job.replicas || [];
  const nodes = (job.spec && job.spec.nodes) || 1;
  if (replicas.length === 0 && nodes === 1) return null;
  const head = h('p', {
    class: 'muted',
    text: kindText(job.spec) + ', ' + gpusText(job.spec) + ' — as its drainer last reported',
  });
  const body = replicas.length
    ? h(
        'div',
        { class: 'table-wrap' },
        h('table', { class: 'grid replicas' }, [
          headRow(['Replica', 'Pod', 'Node', 'Phase', 'Ended']),
          h('tbody', null, replicas.map(replicaRow)),
        ]),
      )
    : h('p', { class: 'muted', text: 'No replica reported yet.' });
  return [h('h3', { text: 'Replicas' }), head, body];
}
