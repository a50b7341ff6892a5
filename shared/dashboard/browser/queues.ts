/** The Queues view: each queue, the clusters that drain it, your jobs waiting and started. */
import { api } from './api.js';
import { changed, type View } from './core.js';
import { $, h, headRow, replace, timeCell } from './dom.js';
import type { QueuesView } from './types.js';

const HEADS = [
  'Queue',
  'Drained by',
  'Your jobs waiting',
  'Oldest waiting since',
  'Your jobs started',
];

export const queuesView: View = {
  async load() {
    const view = await api<QueuesView>('GET', '/v1/queues');
    if (!changed('queues', view)) return;
    const body = $('queues-body');
    if (!view.items.length) {
      replace(body, h('p', { class: 'muted', text: 'No queues: no cluster is registered.' }));
      return;
    }
    const rows = view.items.map((q) =>
      h('tr', { dataset: { queue: q.queue } }, [
        h('td', { class: 'mono', text: q.queue }),
        h('td', { text: q.clusters.join(', ') || '—' }),
        h('td', { class: 'waiting', text: String(q.waiting) }),
        h(
          'td',
          null,
          q.oldestWaitingSince
            ? timeCell(q.oldestWaitingSince, true)
            : h('span', { class: 'muted', text: '—' }),
        ),
        h('td', { class: 'started', text: String(q.started) }),
      ]),
    );
    const pending =
      view.pending +
      ' of your job(s) wait for capacity or quota and are on no queue yet.' +
      (view.truncated ? ' (Counted up to a limit: there are more.)' : '');
    replace(body, [
      h(
        'div',
        { class: 'table-wrap' },
        h('table', { class: 'grid', id: 'queues-table' }, [headRow(HEADS), h('tbody', null, rows)]),
      ),
      h('p', { class: 'muted', id: 'queues-pending', text: pending }),
    ]);
  },
};
