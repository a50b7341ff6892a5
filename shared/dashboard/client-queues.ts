/** Browser script, part 5: the Queues view (each queue, its clusters, your jobs waiting and started). */
export const CLIENT_QUEUES = String.raw`
views.queues = {
  load: async function () {
    var view = await api('GET', '/v1/queues');
    if (!changed('queues', view)) return;
    var body = $('queues-body');
    if (!view.items.length) {
      replace(body, h('p', { class: 'muted', text: 'No queues: no cluster is registered.' }));
      return;
    }
    var rows = view.items.map(function (q) {
      return h('tr', { dataset: { queue: q.queue } }, [
        h('td', { class: 'mono', text: q.queue }),
        h('td', { text: q.clusters.join(', ') || '—' }),
        h('td', { class: 'waiting', text: String(q.waiting) }),
        h('td', null, q.oldestWaitingSince ? timeCell(q.oldestWaitingSince, true) : h('span', { class: 'muted', text: '—' })),
        h('td', { class: 'started', text: String(q.started) }),
      ]);
    });
    replace(body, [
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'queues-table' }, [
        h('thead', null, h('tr', null, ['Queue', 'Drained by', 'Your jobs waiting', 'Oldest waiting since',
          'Your jobs started'].map(function (t) { return h('th', { text: t }); }))),
        h('tbody', null, rows),
      ])),
      h('p', { class: 'muted', id: 'queues-pending', text: view.pending + ' of your job(s) wait for capacity or quota and are on no queue yet.' +
        (view.truncated ? ' (Counted up to a limit: there are more.)' : '') }),
    ]);
  },
};
`;
