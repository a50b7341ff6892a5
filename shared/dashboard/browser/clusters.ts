/**
 * The Clusters view (status, workload kinds, GPU bars of the share in use, heartbeat, simulated API URL) with
 * Cordon / Drain / Uncordon for tokens with clusters:admin, and the header line that says when
 * clusters are simulated.
 */
import { api } from './api.js';
import { act, can, changed, setNotice, type ClustersView } from './core.js';
import {
  $,
  h,
  headRow,
  labelTags,
  replace,
  show,
  stateBadge,
  timeCell,
  type Child,
} from './dom.js';
import type { Accelerator, Cluster, ClusterOpResult } from './types.js';

const HEADS = [
  'Cluster',
  'Cloud',
  'Region',
  'Status',
  'Workload kinds',
  'GPUs in use',
  'Queue',
  'Last heartbeat',
  'Kubernetes API',
];

export const clustersView: ClustersView = {
  header(items) {
    const sim = items.filter((c) => c.simulated);
    const note = $('sim-note');
    if (sim.length) {
      note.textContent =
        (sim.length === items.length ? 'All ' + items.length : sim.length + ' of ' + items.length) +
        ' clusters are simulated Kubernetes API servers: no real GPUs, jobs only pretend to run.';
    }
    show(note, sim.length > 0);
  },

  render(items) {
    if (!changed('clusters', items)) return;
    const body = $('clusters-body');
    if (!items.length) {
      replace(
        body,
        h('p', {
          class: 'muted',
          text: 'No clusters are registered. Register one with PUT /v1/clusters/:id.',
        }),
      );
      return;
    }
    const admin = can('clusters:admin');
    const heads = HEADS.concat(admin ? [''] : []);
    replace(
      body,
      h(
        'div',
        { class: 'table-wrap' },
        h('table', { class: 'grid', id: 'clusters-table' }, [
          headRow(heads),
          h(
            'tbody',
            null,
            items.map((c) => clusterRow(c, admin)),
          ),
        ]),
      ),
    );
  },
};

/** The kinds it runs; while it has not reported them, Jobs and "others not reported yet". */
function kindsCell(c: Cluster): Child {
  const kinds = h('span', { class: 'mono', text: (c.kinds ?? []).join(', ') || '-' });
  if (c.kindsKnown !== false) return [kinds];
  return [kinds, ' ', h('span', { class: 'muted', text: 'others not reported yet' })];
}

function clusterRow(c: Cluster, admin: boolean): HTMLTableRowElement {
  return h('tr', { dataset: { cluster: c.id } }, [
    h('td', null, [h('strong', { text: c.id }), h('div', null, labelTags(c.labels))]),
    h('td', { text: c.cloud }),
    h('td', { text: c.region }),
    h('td', { class: 'status' }, stateBadge(c.status)),
    h('td', { class: 'kinds' }, kindsCell(c)),
    h(
      'td',
      null,
      c.accelerators.map((a) => gpuLine(a, c.capacityKnown !== false)),
    ),
    h('td', { class: 'mono', text: c.queue }),
    h('td', null, timeCell(c.lastHeartbeat, true)),
    h(
      'td',
      null,
      c.simulated
        ? [
            h('span', { class: 'tag sim', text: 'simulated' }),
            ' ',
            h('span', { class: 'mono', text: c.simulated.apiUrl }),
          ]
        : h('span', { class: 'muted', text: 'real cluster' }),
    ),
    admin ? h('td', null, h('div', { class: 'actions' }, actionButtons(c))) : null,
  ]);
}

/**
 * One accelerator type: a bar of the share in use (a full cluster is a full bar) and "8 / 16 in
 * use". Free GPUs the API does not know (an offline cluster: null, absent or capacityKnown false)
 * show as "unknown" with an empty striped bar, never as free.
 */
function gpuLine(a: Accelerator, known: boolean): HTMLDivElement {
  const total = a.totalGpus;
  const free = a.freeGpus;
  const unknown = !known || a.capacityKnown === false || typeof free !== 'number';
  const used = unknown ? null : Math.max(0, total - free);
  const pct = used !== null && total > 0 ? Math.round((used / total) * 100) : 0;
  const fill = h('span');
  fill.style.width = pct + '%';
  const full = used !== null && used >= total;
  const bar = h(
    'div',
    {
      class: 'bar' + (unknown ? ' unknown' : full ? ' full' : ''),
      role: 'meter',
      'aria-valuemin': 0,
      'aria-valuemax': total,
      'aria-valuenow': used,
      'aria-valuetext': used === null ? 'unknown' : used + ' of ' + total + ' in use',
      'aria-label': a.type + ' GPUs in use',
    },
    fill,
  );
  const cost = typeof a.costPerGpuHour === 'number' ? ' · $' + a.costPerGpuHour + '/GPU-h' : '';
  const count =
    used === null
      ? 'unknown / ' + total + ' (no fresh heartbeat)'
      : used + ' / ' + total + ' in use';
  return h(
    'div',
    { class: 'gpu', title: a.nodes + ' node(s) × ' + a.gpusPerNode + ' GPUs' + cost },
    [
      h('span', { class: 'mono', text: a.type }),
      bar,
      h('span', { class: 'gpu-count', text: count }),
    ],
  );
}

function actionButtons(c: Cluster): HTMLButtonElement[] {
  const buttons: HTMLButtonElement[] = [];
  function add(label: string, op: string, cls: string): void {
    const b = h('button', { type: 'button', class: 'small ' + cls, text: label, dataset: { op } });
    b.addEventListener('click', () => void act(b, () => clusterOp(c.id, op)));
    buttons.push(b);
  }
  if (c.status === 'active' || c.status === 'offline') {
    add('Cordon', 'cordon', 'ghost');
    add('Drain', 'drain', 'danger');
  }
  if (c.status === 'cordoned') {
    add('Drain', 'drain', 'danger');
    add('Uncordon', 'uncordon', 'ghost');
  }
  if (c.status === 'draining') add('Uncordon', 'uncordon', 'ghost');
  return buttons;
}

async function clusterOp(id: string, op: string): Promise<void> {
  const out = await api<ClusterOpResult>(
    'POST',
    '/v1/clusters/' + encodeURIComponent(id) + '/' + op,
  );
  if (op !== 'drain') {
    setNotice(h('span', { text: id + ' is now ' + out.status + '.' }));
    return;
  }
  const items: HTMLLIElement[] = [];
  for (const m of out.moved) {
    const where = m.clusterId ? ' on ' + m.clusterId : '';
    items.push(h('li', { text: m.jobId + ' moved: now ' + m.state + where }));
  }
  for (const r of out.remaining) {
    items.push(h('li', { text: r.jobId + ' stays (' + r.state + '): it finishes where it is' }));
  }
  setNotice([
    h('strong', { text: 'Drained ' + id + ': ' }),
    out.moved.length +
      ' job(s) moved, ' +
      out.remaining.length +
      ' still running there. ' +
      'New work avoids it until you uncordon it.',
    items.length ? h('ul', null, items) : null,
  ]);
}
