/**
 * A job's detail in the Jobs view: its spec, result, Kubernetes object, its output (job-logs.ts),
 * callback deliveries, the routing decision with every candidate, its event history, and Cancel
 * for tokens with jobs:cancel.
 * Rendering only: jobs.ts loads the job and owns the open/close state.
 */
import { api } from './api.js';
import { deliveriesSection } from './job-deliveries.js';
import { logSection } from './job-logs.js';
import { act, can } from './core.js';
import { $, badge, h, headRow, labelTags, mono, replace, stateBadge, type Child } from './dom.js';
import { TERMINAL, timeCell } from './dom.js';
import type { Decision, Delivery, Job, JobAttempt, JobEvent, Page } from './types.js';
import { replicasSection } from './replicas.js';
import { gpusText, kindText } from './workload.js';

const ORIGIN_TEXT: Record<string, string> = { api: 'API', hook: 'hook', schedule: 'schedule' };

export function originCell(o: Job['origin']): Child {
  if (!o) return '—';
  return h('span', { class: 'tag origin', title: o.id, text: ORIGIN_TEXT[o.kind] || o.kind });
}

/** Label/value pairs; an undefined value leaves its row out, an empty one shows a dash. */
function kv(pairs: Array<[string, Child | undefined]>): HTMLDListElement {
  const items: HTMLElement[] = [];
  for (const [label, value] of pairs) {
    if (value === undefined) continue;
    const empty = value === null || value === '' || (Array.isArray(value) && value.length === 0);
    items.push(h('dt', { text: label }), h('dd', null, empty ? '—' : value));
  }
  return h('dl', { class: 'kv' }, items);
}

/** What a finished job's container said: its exit code and termination reason. */
function resultText(r: Job['result']): string | null | undefined {
  if (!r) return undefined;
  const parts: string[] = [];
  if (typeof r.exitCode === 'number') parts.push('exit code ' + r.exitCode);
  if (r.reason) parts.push(r.reason);
  return parts.join(' · ') || null;
}

function placementText(job: Job): Child {
  const k8s = job.kubernetes;
  if (k8s) return mono(k8s.namespace + '/' + k8s.name + ' (attempt ' + k8s.attempt + ')');
  return TERMINAL[job.state] ? 'not placed' : 'not placed yet';
}

/** The trace id, and the command that finds its log lines, selected whole on a click for copying. */
function traceCell(traceId: string | null | undefined): Child | undefined {
  if (traceId === undefined) return undefined;
  if (traceId === null) return null;
  const grep = h('code', { id: 'job-trace-grep', class: 'copy-all', text: 'grep ' + traceId });
  return [mono(traceId), ' · logs: ', grep];
}

/** The callback's host and its deliveries counted by state, linking to the list below. */
function callbackCell(cb: { url: string } | null | undefined, list: Page<Delivery> | null): Child {
  if (!cb) return null;
  let host: string;
  try {
    host = new URL(cb.url).host;
  } catch {
    host = cb.url;
  }
  const counts: Record<string, number> = { delivered: 0, pending: 0, dead: 0 };
  for (const d of (list && list.items) || []) counts[d.state] = (counts[d.state] || 0) + 1;
  const text =
    counts.delivered + ' delivered, ' + counts.pending + ' pending, ' + counts.dead + ' dead';
  const link = h('a', {
    href: '#job-deliveries',
    class: 'deliveries-link',
    text,
    onclick: (ev: MouseEvent) => {
      ev.preventDefault();
      $('job-deliveries').scrollIntoView();
    },
  });
  return [mono(host), ' · ', link];
}

function actionButtons(job: Job, onClose: () => void): HTMLButtonElement[] {
  const actions: HTMLButtonElement[] = [];
  if (!TERMINAL[job.state] && can('jobs:cancel')) {
    const cancel = h('button', {
      type: 'button',
      class: 'small danger',
      id: 'job-cancel',
      text: 'Cancel job',
    });
    const path = '/v1/jobs/' + encodeURIComponent(job.id) + '/cancel';
    cancel.addEventListener('click', () => void act(cancel, () => api('POST', path)));
    actions.push(cancel);
  }
  const close = h('button', { type: 'button', class: 'small ghost', text: 'Close' });
  close.addEventListener('click', onClose);
  actions.push(close);
  return actions;
}

/** Fills `box` with the job's detail; `onClose` runs when its Close button is pressed. */
export function renderDetail(
  box: HTMLElement,
  job: Job,
  deliveries: Page<Delivery> | null,
  onClose: () => void,
): void {
  const spec = job.spec || {};
  const res = spec.resources || {};
  const acc = res.accelerator;
  const command = (spec.command || []).concat(spec.args || []).join(' ');
  replace(box, [
    h('h2', null, [
      h('span', { text: job.name }),
      stateBadge(job.state),
      h('span', { class: 'head-actions' }, actionButtons(job, onClose)),
    ]),
    kv([
      ['Job id', mono(job.id)],
      ['Project', job.project],
      ['Cluster', job.clusterId],
      ['Result', resultText(job.result)],
      ['Origin', job.origin ? [originCell(job.origin), ' ', mono(job.origin.id)] : undefined],
      job.targetJobId
        ? ['Slurm job', mono(job.targetJobId + ' (attempt ' + (job.kubernetes?.attempt ?? 1) + ')')]
        : ['Kubernetes', placementText(job)],
      ['Image', mono(spec.image)],
      ['Command', command ? mono(command) : null],
      ['Kind', kindText(spec)],
      ['Accelerator', acc ? gpusText(spec) : 'none'],
      ['CPU / memory', (res.cpu || '—') + ' / ' + (res.memory || '—')],
      ['Priority', String(spec.priority)],
      ['Labels', labelTags(spec.labels)],
      [
        'Env',
        Object.keys(spec.env || {})
          .sort()
          .join(', '),
      ],
      ['Deadline', spec.deadlineSeconds ? spec.deadlineSeconds + ' s' : null],
      ['Callback', callbackCell(spec.callback, deliveries)],
      ['Idempotency key', job.idempotencyKey ? mono(job.idempotencyKey) : undefined],
      ['Trace', traceCell(job.traceId)],
      ['Submitted', timeCell(job.createdAt)],
      ['Updated', timeCell(job.updatedAt)],
    ]),
    logSection(job),
    replicasSection(job),
    decisionSection(job.decision),
    deliveriesSection(job, deliveries),
    attemptsSection(job.attempts || []),
    eventsSection(job.events || []),
  ]);
}

function candidateRow(
  c: NonNullable<Decision['candidates']>[number],
  chosen: string | null | undefined,
): HTMLTableRowElement {
  const reasons = (c.reasons || []).map((r) => h('li', { text: r }));
  if (c.terms) {
    const t = c.terms;
    const terms = 'cost ' + t.cost + ', free capacity ' + t.freeCapacity + ', spread ' + t.spread;
    reasons.push(h('li', { class: 'muted', text: terms + ', preference ' + t.preference }));
  }
  const score = typeof c.score === 'number' ? String(Math.round(c.score * 1000) / 1000) : '—';
  return h('tr', { dataset: { candidate: c.clusterId } }, [
    h('td', null, h('strong', { text: c.clusterId })),
    h(
      'td',
      null,
      c.feasible
        ? badge(c.clusterId === chosen ? 'chosen' : 'feasible', 'ok')
        : badge('filtered', 'bad'),
    ),
    h('td', { class: 'mono', text: score }),
    h('td', null, reasons.length ? h('ul', { class: 'reasons' }, reasons) : '—'),
  ]);
}

function decisionSection(d: Decision | null | undefined): Child {
  if (!d) {
    return [
      h('h3', { text: 'Routing decision' }),
      h('p', { class: 'muted', text: 'Not decided yet.' }),
    ];
  }
  const rows = (d.candidates || []).map((c) => candidateRow(c, d.clusterId));
  return [
    h('h3', { text: 'Routing decision' }),
    kv([
      ['Outcome', stateBadge(d.outcome)],
      ['Message', d.message],
      ['Chosen cluster', d.clusterId || null],
      ['Policy version', d.policyVersion],
      ['Matched rules', d.matchedRules ? d.matchedRules.join(', ') || 'none' : undefined],
      [
        'Effective priority',
        d.effectivePriority === undefined ? undefined : String(d.effectivePriority),
      ],
      ['Evaluated', timeCell(d.evaluatedAt)],
    ]),
    h(
      'div',
      { class: 'table-wrap' },
      h('table', { class: 'grid candidates' }, [
        headRow(['Candidate', 'Result', 'Score', 'Reasons']),
        h('tbody', null, rows),
      ]),
    ),
    d.candidatesOmitted
      ? h('p', { class: 'muted', text: d.candidatesOmitted + ' more candidate(s) left out.' })
      : null,
  ];
}

function eventsSection(events: JobEvent[]): Child {
  const rows = events.map((e) =>
    h('tr', null, [
      h('td', null, timeCell(e.at)),
      h('td', null, e.state ? stateBadge(e.state) : '—'),
      h('td', { class: 'mono', text: e.reason }),
      h('td', { text: e.message }),
    ]),
  );
  return [
    h('h3', { text: 'Events' }),
    h(
      'div',
      { class: 'table-wrap' },
      h('table', { class: 'grid events' }, [
        headRow(['Time', 'State', 'Reason', 'Message']),
        h('tbody', null, rows),
      ]),
    ),
  ];
}

/** The job's runs, shown once it ran more than once (a retry). */
function attemptsSection(attempts: JobAttempt[]): Child {
  if (attempts.length < 2) return null;
  const rows = attempts.map((a) =>
    h('tr', null, [
      h('td', { text: String(a.attempt) }),
      h('td', { class: 'mono', text: a.clusterId }),
      h('td', null, a.startedAt || a.placedAt ? timeCell((a.startedAt || a.placedAt)!) : '—'),
      h('td', null, a.endedAt ? timeCell(a.endedAt) : '—'),
      h('td', null, stateBadge(a.outcome)),
      h('td', {
        class: 'mono',
        text: a.exitCode === null ? a.reason : a.reason + ' (exit ' + a.exitCode + ')',
      }),
    ]),
  );
  return [
    h('h3', { text: 'Attempts' }),
    h(
      'div',
      { class: 'table-wrap' },
      h('table', { class: 'grid attempts' }, [
        headRow(['#', 'Cluster', 'Started', 'Ended', 'Outcome', 'Reason']),
        h('tbody', null, rows),
      ]),
    ),
  ];
}
