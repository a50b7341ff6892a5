/**
 * Browser script, part 2: the Clusters view (status, GPU bars of the share in use, heartbeat,
 * simulated API URL) with Cordon / Drain / Uncordon for tokens with clusters:admin, and the header
 * line that says when clusters are simulated.
 */
export const CLIENT_CLUSTERS = String.raw`
views.clusters = {
  header: function (items) {
    var sim = items.filter(function (c) { return c.simulated; });
    var note = $('sim-note');
    if (sim.length) {
      note.textContent = (sim.length === items.length ? 'All ' + items.length : sim.length + ' of ' + items.length) +
        ' clusters are simulated Kubernetes API servers: no real GPUs, jobs only pretend to run.';
    }
    show(note, sim.length > 0);
  },

  render: function (items) {
    if (!changed('clusters', items)) return;
    var body = $('clusters-body');
    if (!items.length) {
      replace(body, h('p', { class: 'muted', text: 'No clusters are registered. Register one with PUT /v1/clusters/:id.' }));
      return;
    }
    var rows = items.map(function (c) {
      return h('tr', { dataset: { cluster: c.id } }, [
        h('td', null, [h('strong', { text: c.id }), h('div', null, labelTags(c.labels))]),
        h('td', { text: c.cloud }),
        h('td', { text: c.region }),
        h('td', { class: 'status' }, stateBadge(c.status)),
        h('td', null, c.accelerators.map(function (a) { return gpuLine(a, c.capacityKnown !== false); })),
        h('td', { class: 'mono', text: c.queue }),
        h('td', null, timeCell(c.lastHeartbeat, true)),
        h('td', null, c.simulated
          ? [h('span', { class: 'tag sim', text: 'simulated' }), ' ', h('span', { class: 'mono', text: c.simulated.apiUrl })]
          : h('span', { class: 'muted', text: 'real cluster' })),
        can('clusters:admin') ? h('td', null, h('div', { class: 'actions' }, actionButtons(c))) : null,
      ]);
    });
    var heads = ['Cluster', 'Cloud', 'Region', 'Status', 'GPUs in use', 'Queue', 'Last heartbeat',
      'Kubernetes API'].concat(can('clusters:admin') ? [''] : []);
    replace(body, h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'clusters-table' }, [
      h('thead', null, h('tr', null, heads.map(function (t) { return h('th', { text: t }); }))),
      h('tbody', null, rows),
    ])));
  },
};

function labelTags(labels) {
  return Object.keys(labels || {}).sort().map(function (k) {
    return h('span', { class: 'tag', text: k + '=' + labels[k] });
  });
}

/**
 * One accelerator type: a bar of the share in use (a full cluster is a full bar) and "8 / 16 in
 * use". Free GPUs the API does not know (an offline cluster: null, absent or capacityKnown false)
 * show as "unknown" with an empty striped bar, never as free.
 */
function gpuLine(a, known) {
  var total = a.totalGpus;
  var unknown = !known || a.capacityKnown === false || typeof a.freeGpus !== 'number';
  var used = unknown ? null : Math.max(0, total - a.freeGpus);
  var pct = !unknown && total > 0 ? Math.round((used / total) * 100) : 0;
  var fill = h('span');
  fill.style.width = pct + '%';
  var bar = h('div', { class: 'bar' + (unknown ? ' unknown' : used >= total ? ' full' : ''), role: 'meter',
    'aria-valuemin': 0, 'aria-valuemax': total, 'aria-valuenow': unknown ? null : used,
    'aria-valuetext': unknown ? 'unknown' : used + ' of ' + total + ' in use',
    'aria-label': a.type + ' GPUs in use' }, fill);
  var cost = typeof a.costPerGpuHour === 'number' ? ' · $' + a.costPerGpuHour + '/GPU-h' : '';
  return h('div', { class: 'gpu', title: a.nodes + ' node(s) × ' + a.gpusPerNode + ' GPUs' + cost }, [
    h('span', { class: 'mono', text: a.type }),
    bar,
    h('span', { class: 'gpu-count', text: unknown ? 'unknown / ' + total + ' (no fresh heartbeat)' : used + ' / ' + total + ' in use' }),
  ]);
}

function actionButtons(c) {
  var buttons = [];
  function add(label, op, cls) {
    var b = h('button', { type: 'button', class: 'small ' + (cls || ''), text: label, dataset: { op: op } });
    b.addEventListener('click', function () { act(b, function () { return clusterOp(c.id, op); }); });
    buttons.push(b);
  }
  if (c.status === 'active' || c.status === 'offline') { add('Cordon', 'cordon', 'ghost'); add('Drain', 'drain', 'danger'); }
  if (c.status === 'cordoned') { add('Drain', 'drain', 'danger'); add('Uncordon', 'uncordon', 'ghost'); }
  if (c.status === 'draining') add('Uncordon', 'uncordon', 'ghost');
  return buttons;
}

async function clusterOp(id, op) {
  var out = await api('POST', '/v1/clusters/' + encodeURIComponent(id) + '/' + op);
  if (op !== 'drain') {
    setNotice(h('span', { text: id + ' is now ' + out.status + '.' }));
    return;
  }
  var items = [];
  out.moved.forEach(function (m) {
    items.push(h('li', { text: m.jobId + ' moved: now ' + m.state + (m.clusterId ? ' on ' + m.clusterId : '') }));
  });
  out.remaining.forEach(function (r) {
    items.push(h('li', { text: r.jobId + ' stays (' + r.state + '): it finishes where it is' }));
  });
  setNotice([
    h('strong', { text: 'Drained ' + id + ': ' }),
    out.moved.length + ' job(s) moved, ' + out.remaining.length + ' still running there. ' +
      'New work avoids it until you uncordon it.',
    items.length ? h('ul', null, items) : null,
  ]);
}
`;
