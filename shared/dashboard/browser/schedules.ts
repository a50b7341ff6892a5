/**
 * The Schedules view: cron, next fire times in the schedule's own time zone (named), policy, the
 * latest runs with their jobs (which open in Jobs), and Suspend / Resume / Delete for tokens with
 * schedules:write.
 */
import { api } from './api.js';
import { act, can, changed, current, selectTab, setNotice, type View } from './core.js';
import { $, badge, h, headRow, replace, timeCell, type Child } from './dom.js';
import { jobs } from './jobs.js';
import type { Page, Schedule } from './types.js';

const HEADS = [
  'Schedule',
  'Cron',
  'Time zone',
  'Policy',
  'State',
  'Next fire times (schedule’s zone)',
  'Latest runs',
  'Job (project / name)',
];

export const schedulesView: View = {
  async load() {
    const page = await api<Page<Schedule>>('GET', '/v1/schedules');
    const write = can('schedules:write');
    if (!changed('schedules', [page.items, write])) return;
    const body = $('schedules-body');
    if (!page.items.length) {
      const text = 'No schedules yet. Create one with POST /v1/schedules (see the README).';
      replace(body, h('p', { class: 'muted', text }));
      return;
    }
    const heads = HEADS.concat(write ? [''] : []);
    replace(
      body,
      h(
        'div',
        { class: 'table-wrap' },
        h('table', { class: 'grid', id: 'schedules-table' }, [
          headRow(heads),
          h(
            'tbody',
            null,
            page.items.map((s) => scheduleRow(s, write)),
          ),
        ]),
      ),
    );
  },
};

function scheduleRow(s: Schedule, write: boolean): HTMLTableRowElement {
  const t = s.template || {};
  const next = (s.nextFireTimes || [])
    .slice(0, 3)
    .map((n) => h('div', null, timeCell(n, false, s.timezone)));
  return h('tr', { dataset: { schedule: s.id } }, [
    h('td', null, [h('strong', { text: s.name }), h('div', { class: 'muted mono', text: s.id })]),
    h('td', { class: 'mono', text: s.cron }),
    h('td', { text: s.timezone }),
    h('td', { text: s.concurrencyPolicy + ' · catch up ' + s.maxCatchUp }),
    h('td', { class: 'state' }, s.suspended ? badge('suspended', 'warn') : badge('active', 'ok')),
    h(
      'td',
      { class: 'next' },
      next.length ? next : h('span', { class: 'muted', text: s.suspended ? 'paused' : '—' }),
    ),
    h('td', { class: 'runs' }, runList(s)),
    h('td', { text: [t.project, t.name].filter(Boolean).join(' / ') || '—' }),
    write ? h('td', null, h('div', { class: 'actions' }, scheduleButtons(s))) : null,
  ]);
}

/** Each recent slot (in the schedule's zone) with the job it submitted, which opens in Jobs. */
function runList(s: Schedule): Child {
  const runs = s.recentRuns || [];
  if (!runs.length) return h('span', { class: 'muted', text: 'not fired yet' });
  return runs.map((r) => {
    const jobId = r.jobId;
    const job = jobId
      ? h('button', {
          type: 'button',
          class: 'link mono',
          text: jobId,
          dataset: { runJob: jobId },
          onclick: () => showJob(jobId),
        })
      : h('span', { class: 'muted', text: 'skipped (Forbid)' });
    return h('div', { class: 'run' }, [timeCell(r.slot, false, s.timezone), ' → ', job]);
  });
}

function showJob(id: string): void {
  jobs.detailId = id;
  delete current.lastKey.job;
  selectTab('jobs');
}

function scheduleButtons(s: Schedule): HTMLButtonElement[] {
  const path = '/v1/schedules/' + encodeURIComponent(s.id);
  const toggle = h('button', {
    type: 'button',
    class: 'small ghost',
    dataset: { op: s.suspended ? 'resume' : 'suspend' },
    text: s.suspended ? 'Resume' : 'Suspend',
  });
  toggle.addEventListener('click', () => {
    void act(toggle, () => api('PATCH', path, { suspended: !s.suspended }));
  });
  // Deleting asks once more on the button itself (no modal dialog).
  const del = h('button', {
    type: 'button',
    class: 'small danger',
    dataset: { op: 'delete' },
    text: 'Delete',
  });
  del.addEventListener('click', () => {
    if (del.dataset.op === 'delete') {
      del.dataset.op = 'confirm-delete';
      del.textContent = 'Delete ' + s.name + '?';
      return;
    }
    void act(del, async () => {
      await api('DELETE', path);
      setNotice(h('span', { text: 'Deleted schedule ' + s.name + '.' }));
    });
  });
  return [toggle, del];
}
