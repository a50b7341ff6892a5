/**
 * Browser script, part 6: the Usage view — GPUs in use against quota for the caller's tenant (for
 * a token of every project) and each project its token may use (GET /v1/usage), with a bar where a
 * quota is set.
 */
export const CLIENT_USAGE = String.raw`
views.usage = {
  load: async function () {
    var view = await api('GET', '/v1/usage');
    if (!changed('usage', view)) return;
    var rows = [];
    view.items.forEach(function (u) {
      u.gpus.forEach(function (g, i) {
        rows.push(h('tr', { dataset: { usage: u.id, type: g.type } }, [
          h('td', null, i === 0 ? [h('strong', { text: u.kind === 'tenant' ? u.tenantId : u.project }),
            h('div', { class: 'muted', text: u.kind === 'tenant' ? 'tenant' : 'project' })] : null),
          h('td', { class: 'mono', text: g.type === 'total' ? 'all types' : g.type }),
          h('td', { class: 'in-use', text: String(g.inUse) }),
          h('td', { class: 'quota', text: g.quota === null ? 'no quota' : String(g.quota) }),
          h('td', null, g.quota === null ? null : quotaBar(g)),
        ]));
      });
    });
    replace($('usage-body'), [
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'usage-table' }, [
        h('thead', null, h('tr', null, ['Who', 'Accelerator', 'GPUs in use', 'Quota', ''].map(function (t) { return h('th', { text: t }); }))),
        h('tbody', null, rows),
      ])),
      view.items.length && view.items[0].kind === 'tenant' ? null : h('p', { class: 'muted', id: 'usage-projects-only',
        text: 'This token is limited to some projects, so it sees their usage only, not the tenant total.' }),
      h('p', { class: 'muted', text: 'Quotas come from the routing policy (quotas.tenants, quotas.projects). ' +
        'A job that would pass a quota waits as pending until its GPUs free up.' }),
    ]);
  },
};

function quotaBar(g) {
  var pct = g.quota > 0 ? Math.min(100, Math.round((g.inUse / g.quota) * 100)) : 100;
  var fill = h('span');
  fill.style.width = pct + '%';
  return h('div', { class: 'gpu' }, h('div', { class: 'bar' + (g.inUse >= g.quota ? ' full' : ''), role: 'meter',
    'aria-valuemin': 0, 'aria-valuemax': g.quota, 'aria-valuenow': g.inUse }, fill));
}
`;
