/**
 * The Maintenance view (issue #19): each rolling upgrade plan with its state, its clusters in
 * order with the step each is at (cordoned, draining until its deadline, upgrading, done) and the
 * latest event, and Pause / Resume / Cancel for a plan still live. Only for clusters:admin, the
 * scope every /v1/maintenance route asks for.
 */
import { api } from './api.js';
import { act, changed, setNotice, type View } from './core.js';
import { $, badge, h, headRow, replace, timeCell, type Child } from './dom.js';
import type { MaintenancePlan, MaintenanceStep, Page } from './types.js';

const HEADS = ['Plan', 'State', 'Clusters and their step', 'Latest event', 'Started', ''];
const PLAN_KIND: Record<string, string> = {
  running: 'info',
  paused: 'warn',
  succeeded: 'ok',
  cancelled: '',
};
const STEP_KIND: Record<string, string> = {
  waiting: '',
  draining: 'warn',
  upgrading: 'info',
  done: 'ok',
  cancelled: '',
};

export const maintenanceView: View = {
  async load() {
    const page = await api<Page<MaintenancePlan>>('GET', '/v1/maintenance');
    if (!changed('maintenance', page.items)) return;
    const body = $('maintenance-body');
    if (!page.items.length) {
      const text = 'No maintenance plans. Start one with POST /v1/maintenance (see the README).';
      replace(body, h('p', { class: 'muted', text }));
      return;
    }
    const rows = page.items.map(planRow);
    replace(
      body,
      h(
        'div',
        { class: 'table-wrap' },
        h('table', { class: 'grid', id: 'maintenance-table' }, [
          headRow(HEADS),
          h('tbody', null, rows),
        ]),
      ),
    );
  },
};

function planRow(p: MaintenancePlan): HTMLTableRowElement {
  const last = p.events[p.events.length - 1];
  const how = `max ${p.maxUnavailable} out · drain ${p.drainTimeoutSeconds} s, then ${p.atDeadline}`;
  return h('tr', { dataset: { plan: p.id } }, [
    h('td', null, [
      h('strong', { class: 'mono', text: p.id }),
      p.description ? h('div', { text: p.description }) : null,
      h('div', { class: 'muted', text: how }),
    ]),
    h('td', { class: 'state' }, badge(p.state, PLAN_KIND[p.state] || '')),
    h('td', null, h('ul', { class: 'steps' }, p.steps.map(stepItem))),
    h('td', { class: 'event', text: last ? last.message : '—' }),
    h('td', null, timeCell(p.createdAt, true)),
    h('td', null, h('div', { class: 'actions' }, planButtons(p))),
  ]);
}

/** A cluster and its step: cordoned while drained, the deadline, the versions, who said done. */
function stepItem(s: MaintenanceStep): HTMLLIElement {
  const notes: Child[] = [];
  if (s.cordoned && (s.state === 'draining' || s.state === 'upgrading'))
    notes.push(badge('cordoned', 'warn'));
  if (s.state === 'draining' && s.drainDeadline)
    notes.push(h('span', { class: 'muted' }, [' until ', timeCell(s.drainDeadline, false)]));
  if (s.requeued && s.requeued.length)
    notes.push(h('span', { class: 'muted', text: ` · ${s.requeued.length} job(s) requeued` }));
  if (s.state === 'done' && s.toVersion)
    notes.push(h('span', { class: 'muted', text: ` · ${s.fromVersion || '?'} → ${s.toVersion}` }));
  return h('li', { dataset: { cluster: s.clusterId, step: s.state } }, [
    h('span', { class: 'mono', text: s.clusterId }),
    ' ',
    badge(s.state, STEP_KIND[s.state] || ''),
    ' ',
    ...notes,
  ]);
}

/** Pause or Resume, and Cancel (asked once more on the button), while the plan is live. */
function planButtons(p: MaintenancePlan): HTMLButtonElement[] {
  if (p.state !== 'running' && p.state !== 'paused') return [];
  const path = '/v1/maintenance/' + encodeURIComponent(p.id);
  const op = p.state === 'running' ? 'pause' : 'resume';
  const toggle = h('button', {
    type: 'button',
    class: 'small ghost',
    dataset: { op },
    text: op === 'pause' ? 'Pause' : 'Resume',
  });
  toggle.addEventListener('click', () => void act(toggle, () => api('POST', `${path}:${op}`)));
  const cancel = h('button', {
    type: 'button',
    class: 'small danger',
    dataset: { op: 'cancel' },
    text: 'Cancel',
  });
  cancel.addEventListener('click', () => {
    if (cancel.dataset.op === 'cancel') {
      cancel.dataset.op = 'confirm-cancel';
      cancel.textContent = 'Cancel plan and uncordon?';
      return;
    }
    void act(cancel, async () => {
      await api('POST', `${path}:cancel`);
      setNotice(h('span', { text: 'Cancelled maintenance plan ' + p.id + '.' }));
    });
  });
  return [toggle, cancel];
}
