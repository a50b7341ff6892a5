/** Browser script, part 4: the Schedules view (cron, time zone, policy, suspended, next fires). */
export const CLIENT_SCHEDULES = String.raw`
views.schedules = {
  load: async function () {
    var page = await api('GET', '/v1/schedules');
    if (!changed('schedules', page.items)) return;
    var body = $('schedules-body');
    if (!page.items.length) {
      replace(body, h('p', { class: 'muted', text: 'No schedules yet. Create one with POST /v1/schedules (see the README).' }));
      return;
    }
    var rows = page.items.map(function (s) {
      var t = s.template || {};
      var next = (s.nextFireTimes || []).slice(0, 3).map(function (n) { return h('div', null, timeCell(n)); });
      return h('tr', { dataset: { schedule: s.id } }, [
        h('td', null, [h('strong', { text: s.name }), h('div', { class: 'muted mono', text: s.id })]),
        h('td', { class: 'mono', text: s.cron }),
        h('td', { text: s.timezone }),
        h('td', { text: s.concurrencyPolicy + ' · catch up ' + s.maxCatchUp }),
        h('td', null, s.suspended ? badge('suspended', 'warn') : badge('active', 'ok')),
        h('td', null, next.length ? next : h('span', { class: 'muted', text: s.suspended ? 'paused' : '—' })),
        h('td', null, timeCell(s.lastFiredSlot)),
        h('td', { text: [t.project, t.name].filter(Boolean).join(' / ') || '—' }),
      ]);
    });
    replace(body, h('table', { class: 'grid', id: 'schedules-table' }, [
      h('thead', null, h('tr', null, ['Schedule', 'Cron', 'Time zone', 'Policy', 'State', 'Next fire times',
        'Last fired slot', 'Job (project / name)'].map(function (t) { return h('th', { text: t }); }))),
      h('tbody', null, rows),
    ]));
  },
};
`;
