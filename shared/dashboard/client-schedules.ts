/**
 * Browser script, part 4: the Schedules view — cron, next fire times in the schedule's own time
 * zone (named), policy, the latest runs with their jobs, and Suspend / Resume / Delete for tokens
 * with schedules:write.
 */
export const CLIENT_SCHEDULES = String.raw`
views.schedules = {
  load: async function () {
    var page = await api('GET', '/v1/schedules');
    if (!changed('schedules', [page.items, can('schedules:write')])) return;
    var body = $('schedules-body');
    if (!page.items.length) {
      replace(body, h('p', { class: 'muted', text: 'No schedules yet. Create one with POST /v1/schedules (see the README).' }));
      return;
    }
    var rows = page.items.map(function (s) {
      var t = s.template || {};
      var next = (s.nextFireTimes || []).slice(0, 3).map(function (n) { return h('div', null, timeCell(n, false, s.timezone)); });
      return h('tr', { dataset: { schedule: s.id } }, [
        h('td', null, [h('strong', { text: s.name }), h('div', { class: 'muted mono', text: s.id })]),
        h('td', { class: 'mono', text: s.cron }),
        h('td', { text: s.timezone }),
        h('td', { text: s.concurrencyPolicy + ' · catch up ' + s.maxCatchUp }),
        h('td', { class: 'state' }, s.suspended ? badge('suspended', 'warn') : badge('active', 'ok')),
        h('td', { class: 'next' }, next.length ? next : h('span', { class: 'muted', text: s.suspended ? 'paused' : '—' })),
        h('td', { class: 'runs' }, runList(s)),
        h('td', { text: [t.project, t.name].filter(Boolean).join(' / ') || '—' }),
        can('schedules:write') ? h('td', null, h('div', { class: 'actions' }, scheduleButtons(s))) : null,
      ]);
    });
    var heads = ['Schedule', 'Cron', 'Time zone', 'Policy', 'State', 'Next fire times (schedule’s zone)',
      'Latest runs', 'Job (project / name)'].concat(can('schedules:write') ? [''] : []);
    replace(body, h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'schedules-table' }, [
      h('thead', null, h('tr', null, heads.map(function (t) { return h('th', { text: t }); }))),
      h('tbody', null, rows),
    ])));
  },
};

/** Each recent slot (in the schedule's zone) with the job it submitted, which opens in Jobs. */
function runList(s) {
  var runs = s.recentRuns || [];
  if (!runs.length) return h('span', { class: 'muted', text: 'not fired yet' });
  return runs.map(function (r) {
    var job = r.jobId
      ? h('button', { type: 'button', class: 'link mono', text: r.jobId, dataset: { runJob: r.jobId },
        onclick: function () { showJob(r.jobId); } })
      : h('span', { class: 'muted', text: 'skipped (Forbid)' });
    return h('div', { class: 'run' }, [timeCell(r.slot, false, s.timezone), ' → ', job]);
  });
}

function showJob(id) {
  jobs.detailId = id;
  delete current.lastKey.job;
  selectTab('jobs');
}

function scheduleButtons(s) {
  var path = '/v1/schedules/' + encodeURIComponent(s.id);
  var toggle = h('button', { type: 'button', class: 'small ghost', dataset: { op: s.suspended ? 'resume' : 'suspend' },
    text: s.suspended ? 'Resume' : 'Suspend' });
  toggle.addEventListener('click', function () {
    act(toggle, function () { return api('PATCH', path, { suspended: !s.suspended }); });
  });
  // Deleting asks once more on the button itself (no modal dialog).
  var del = h('button', { type: 'button', class: 'small danger', dataset: { op: 'delete' }, text: 'Delete' });
  del.addEventListener('click', function () {
    if (del.dataset.op === 'delete') {
      del.dataset.op = 'confirm-delete';
      del.textContent = 'Delete ' + s.name + '?';
      return;
    }
    act(del, async function () {
      await api('DELETE', path);
      setNotice(h('span', { text: 'Deleted schedule ' + s.name + '.' }));
    });
  });
  return [toggle, del];
}
`;
