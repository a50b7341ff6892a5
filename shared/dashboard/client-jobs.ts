/**
 * Browser script, part 3: the Jobs view — filters, cursor paging, rows with GPUs, priority and
 * origin, and a job's detail: its spec, result, Kubernetes object, callback deliveries, the routing
 * decision with every candidate, its event history, and Cancel for tokens with jobs:cancel.
 */
export const CLIENT_JOBS = String.raw`
var PAGE = 25;
var jobs = { items: [], nextCursor: null, project: '', state: '', detailId: null };

function jobsQuery(extra) {
  var q = new URLSearchParams();
  if (jobs.project) q.set('project', jobs.project);
  if (jobs.state) q.set('state', jobs.state);
  Object.keys(extra).forEach(function (k) { q.set(k, String(extra[k])); });
  return '/v1/jobs?' + q.toString();
}

views.jobs = {
  init: function () {
    $('jobs-filter').addEventListener('submit', function (ev) {
      ev.preventDefault();
      jobs.project = $('filter-project').value.trim();
      jobs.state = $('filter-state').value;
      jobs.items = [];
      refresh(true);
    });
    $('jobs-more').addEventListener('click', function () {
      var b = $('jobs-more');
      act(b, async function () {
        var page = await api('GET', jobsQuery({ limit: PAGE, cursor: jobs.nextCursor }));
        jobs.items = jobs.items.concat(page.items);
        jobs.nextCursor = page.nextCursor;
        renderJobList();
      });
    });
  },
  reset: function () { jobs.items = []; jobs.nextCursor = null; closeDetail(); },
  /** Reloads as many rows as are shown (up to the API's 500), so paging survives refreshes. */
  load: async function () {
    var limit = Math.min(500, Math.max(PAGE, jobs.items.length));
    var page = await api('GET', jobsQuery({ limit: limit }));
    jobs.items = page.items;
    jobs.nextCursor = page.nextCursor;
    renderJobList();
    if (jobs.detailId) await loadDetail();
  },
};

var ORIGIN_TEXT = { api: 'API', hook: 'hook', schedule: 'schedule' };
function gpusText(spec) {
  var acc = spec && spec.resources && spec.resources.accelerator;
  return acc ? acc.count + ' × ' + acc.type : '—';
}
function originCell(o) {
  if (!o) return '—';
  return h('span', { class: 'tag origin', title: o.id, text: ORIGIN_TEXT[o.kind] || o.kind });
}

function renderJobList() {
  var rows = jobs.items.map(function (j) {
    var tr = h('tr', { class: 'clickable' + (j.id === jobs.detailId ? ' selected' : ''),
      dataset: { jobId: j.id }, tabindex: 0 }, [
      h('td', null, [h('button', { type: 'button', class: 'link', text: j.name }),
        h('div', { class: 'muted mono', text: j.id })]),
      h('td', { text: j.project }),
      h('td', { class: 'state' }, stateBadge(j.state)),
      h('td', { text: j.clusterId || '—' }),
      h('td', { class: 'gpus', text: gpusText(j.spec) }),
      h('td', { class: 'priority', text: String(j.spec ? j.spec.priority : '—') }),
      h('td', { class: 'origin' }, originCell(j.origin)),
      h('td', null, h('span', { class: 'time', title: j.createdAt, text: ago(j.createdAt) })),
    ]);
    tr.addEventListener('click', function () { openDetail(j.id); });
    tr.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') openDetail(j.id); });
    return tr;
  });
  replace($('jobs-rows'), rows);
  show($('jobs-empty'), jobs.items.length === 0);
  show($('jobs-table'), jobs.items.length > 0);
  show($('jobs-more'), !!jobs.nextCursor);
}

function openDetail(id) {
  jobs.detailId = id;
  delete current.lastKey.job;
  renderJobList();
  loadDetail().catch(function (e) { if (!signOutOn401(e)) setError(e); });
}

function closeDetail() {
  jobs.detailId = null;
  delete current.lastKey.job;
  show($('job-detail'), false);
  $('job-detail').replaceChildren();
  $('job-detail').parentNode.classList.remove('with-detail');
}

async function loadDetail() {
  var id = jobs.detailId;
  var box = $('job-detail');
  box.parentNode.classList.add('with-detail');
  show(box, true);
  try {
    var job = await api('GET', '/v1/jobs/' + encodeURIComponent(id));
    var deliveries = job.spec && job.spec.callback
      ? await api('GET', '/v1/jobs/' + encodeURIComponent(id) + '/deliveries') : null;
    if (jobs.detailId === id && changed('job', [job, deliveries])) renderDetail(job, deliveries);
  } catch (e) {
    if (e instanceof ApiError && e.status !== 401) {
      delete current.lastKey.job;
      replace(box, [h('h2', { text: 'Job ' + id }), h('p', { class: 'error', text: errorText(e) })]);
      return;
    }
    throw e;
  }
}

function kv(pairs) {
  var items = [];
  pairs.forEach(function (p) {
    if (p[1] === undefined) return;
    var empty = p[1] === null || p[1] === '' || (Array.isArray(p[1]) && p[1].length === 0);
    items.push(h('dt', { text: p[0] }), h('dd', null, empty ? '—' : p[1]));
  });
  return h('dl', { class: 'kv' }, items);
}
function mono(text) { return h('span', { class: 'mono', text: text }); }

/** What a finished job's container said: its exit code and termination reason. */
function resultText(r) {
  if (!r) return undefined;
  var parts = [];
  if (typeof r.exitCode === 'number') parts.push('exit code ' + r.exitCode);
  if (r.reason) parts.push(r.reason);
  return parts.join(' · ') || null;
}

function placementText(job) {
  var k8s = job.kubernetes;
  if (k8s) return mono(k8s.namespace + '/' + k8s.name + ' (attempt ' + k8s.attempt + ')');
  return TERMINAL[job.state] ? 'not placed' : 'not placed yet';
}

/** The callback's host and its deliveries counted by state, linking to the list below. */
function callbackCell(cb, list) {
  if (!cb) return null;
  var host;
  try { host = new URL(cb.url).host; } catch (e) { host = cb.url; }
  var counts = { delivered: 0, pending: 0, dead: 0 };
  ((list && list.items) || []).forEach(function (d) { counts[d.state] = (counts[d.state] || 0) + 1; });
  var text = counts.delivered + ' delivered, ' + counts.pending + ' pending, ' + counts.dead + ' dead';
  return [mono(host), ' · ', h('a', { href: '#job-deliveries', class: 'deliveries-link', text: text,
    onclick: function (ev) { ev.preventDefault(); $('job-deliveries').scrollIntoView(); } })];
}

function deliveriesSection(list) {
  if (!list) return null;
  return [
    h('h3', { id: 'job-deliveries', text: 'Callback deliveries' }),
    list.items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid deliveries' }, [
      h('thead', null, h('tr', null, ['Event', 'State', 'Attempts', 'Last answer', 'URL'].map(function (t) { return h('th', { text: t }); }))),
      h('tbody', null, list.items.map(function (d) {
        return h('tr', null, [
          h('td', { class: 'mono', text: d.eventType }),
          h('td', null, badge(d.state, d.state === 'delivered' ? 'ok' : d.state === 'dead' ? 'bad' : 'warn')),
          h('td', { text: String(d.attempts) }),
          h('td', { text: d.lastStatus !== null ? 'HTTP ' + d.lastStatus : d.lastError || '—' }),
          h('td', { class: 'mono', text: d.url }),
        ]);
      })),
    ])) : h('p', { class: 'muted', text: 'No status webhook sent yet.' }),
  ];
}

function renderDetail(job, deliveries) {
  var spec = job.spec || {};
  var res = spec.resources || {};
  var acc = res.accelerator;
  var actions = [];
  if (!TERMINAL[job.state] && can('jobs:cancel')) {
    var cancel = h('button', { type: 'button', class: 'small danger', id: 'job-cancel', text: 'Cancel job' });
    cancel.addEventListener('click', function () {
      act(cancel, function () { return api('POST', '/v1/jobs/' + encodeURIComponent(job.id) + '/cancel'); });
    });
    actions.push(cancel);
  }
  var close = h('button', { type: 'button', class: 'small ghost', text: 'Close' });
  close.addEventListener('click', function () { closeDetail(); renderJobList(); });
  actions.push(close);
  var command = (spec.command || []).concat(spec.args || []).join(' ');

  replace($('job-detail'), [
    h('h2', null, [h('span', { text: job.name }), stateBadge(job.state),
      h('span', { class: 'head-actions' }, actions)]),
    kv([
      ['Job id', mono(job.id)],
      ['Project', job.project],
      ['Cluster', job.clusterId],
      ['Result', resultText(job.result)],
      ['Origin', job.origin ? [originCell(job.origin), ' ', mono(job.origin.id)] : undefined],
      ['Kubernetes', placementText(job)],
      ['Image', mono(spec.image)],
      ['Command', command ? mono(command) : null],
      ['Accelerator', acc ? acc.count + ' × ' + acc.type : 'none'],
      ['CPU / memory', (res.cpu || '—') + ' / ' + (res.memory || '—')],
      ['Priority', String(spec.priority)],
      ['Labels', labelTags(spec.labels)],
      ['Env', Object.keys(spec.env || {}).sort().join(', ')],
      ['Deadline', spec.deadlineSeconds ? spec.deadlineSeconds + ' s' : null],
      ['Callback', callbackCell(spec.callback, deliveries)],
      ['Idempotency key', job.idempotencyKey ? mono(job.idempotencyKey) : undefined],
      ['Submitted', timeCell(job.createdAt)],
      ['Updated', timeCell(job.updatedAt)],
    ]),
    decisionSection(job.decision),
    deliveriesSection(deliveries),
    eventsSection(job.events || []),
  ]);
}

function decisionSection(d) {
  if (!d) return [h('h3', { text: 'Routing decision' }), h('p', { class: 'muted', text: 'Not decided yet.' })];
  var rows = (d.candidates || []).map(function (c) {
    var terms = c.terms ? 'cost ' + c.terms.cost + ', free capacity ' + c.terms.freeCapacity +
      ', spread ' + c.terms.spread + ', preference ' + c.terms.preference : null;
    var reasons = (c.reasons || []).map(function (r) { return h('li', { text: r }); });
    if (terms) reasons.push(h('li', { class: 'muted', text: terms }));
    return h('tr', { dataset: { candidate: c.clusterId } }, [
      h('td', null, h('strong', { text: c.clusterId })),
      h('td', null, c.feasible ? badge(c.clusterId === d.clusterId ? 'chosen' : 'feasible', 'ok') : badge('filtered', 'bad')),
      h('td', { class: 'mono', text: typeof c.score === 'number' ? String(Math.round(c.score * 1000) / 1000) : '—' }),
      h('td', null, reasons.length ? h('ul', { class: 'reasons' }, reasons) : '—'),
    ]);
  });
  return [
    h('h3', { text: 'Routing decision' }),
    kv([
      ['Outcome', stateBadge(d.outcome)],
      ['Message', d.message],
      ['Chosen cluster', d.clusterId || null],
      ['Policy version', d.policyVersion],
      ['Matched rules', d.matchedRules ? d.matchedRules.join(', ') || 'none' : undefined],
      ['Effective priority', d.effectivePriority === undefined ? undefined : String(d.effectivePriority)],
      ['Evaluated', timeCell(d.evaluatedAt)],
    ]),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid candidates' }, [
      h('thead', null, h('tr', null, ['Candidate', 'Result', 'Score', 'Reasons'].map(function (t) { return h('th', { text: t }); }))),
      h('tbody', null, rows),
    ])),
    d.candidatesOmitted ? h('p', { class: 'muted', text: d.candidatesOmitted + ' more candidate(s) left out.' }) : null,
  ];
}

function eventsSection(events) {
  return [
    h('h3', { text: 'Events' }),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid events' }, [
      h('thead', null, h('tr', null, ['Time', 'State', 'Reason', 'Message'].map(function (t) { return h('th', { text: t }); }))),
      h('tbody', null, events.map(function (e) {
        return h('tr', null, [
          h('td', null, timeCell(e.at)),
          h('td', null, e.state ? stateBadge(e.state) : '—'),
          h('td', { class: 'mono', text: e.reason }),
          h('td', { text: e.message }),
        ]);
      })),
    ])),
  ];
}
`;
