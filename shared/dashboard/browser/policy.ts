/**
 * The Policy view (tokens with policy:admin; issue #18): the version in force with its document,
 * the kept versions newest first (a click shows its rule-level diff against the one before, from
 * GET /v1/policy/diff), and a what-if of a pasted draft (POST /v1/policy:simulate). The draft form
 * is static in the page, so the refresh loop never clears what the user typed or the last result.
 */
import { api, errorText } from './api.js';
import { can, changed, signOutOn401, type View } from './core.js';
import { $, ago, badge, fmtTime, h, headRow, mono, replace, show } from './dom.js';
import type {
  Page,
  PolicyDiff,
  PolicyMeta,
  PolicySimulation,
  SimOutcome,
  StoredPolicy,
} from './types.js';

const HISTORY_SHOWN = 20;

const state = { inForce: null as StoredPolicy | null, selected: 0 };

export const policyView: View = {
  init() {
    $('policy-sim-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      void simulate();
    });
    $('policy-load-current').addEventListener('click', () => {
      const doc = state.inForce?.document;
      $<HTMLTextAreaElement>('policy-draft').value = doc ? JSON.stringify(doc, null, 2) : '';
    });
  },
  reset() {
    state.inForce = null;
    state.selected = 0;
    $<HTMLTextAreaElement>('policy-draft').value = '';
    replace($('policy-sim-result'), null);
    replace($('policy-diff'), null);
    show($('policy-diff'), false);
  },
  async load() {
    if (!can('policy:admin')) {
      replace($('policy-body'), h('p', { class: 'muted', text: 'This token lacks policy:admin.' }));
      return;
    }
    const [inForce, history] = await Promise.all([
      api<StoredPolicy>('GET', '/v1/policy'),
      api<Page<PolicyMeta>>('GET', '/v1/policy/history?limit=' + HISTORY_SHOWN),
    ]);
    state.inForce = inForce;
    if (!changed('policy', { inForce, history })) return;
    replace($('policy-body'), [inForceCard(inForce), historyCard(history.items)]);
  },
};

function inForceCard(p: StoredPolicy): HTMLElement {
  if (p.revision === 0 || !p.document) {
    return h('div', { class: 'card', id: 'policy-in-force' }, [
      h('h2', { text: 'Version in force' }),
      h('p', { class: 'muted', text: 'No routing policy stored yet (PUT /v1/policy).' }),
    ]);
  }
  return h('div', { class: 'card', id: 'policy-in-force' }, [
    h('h2', { text: 'Version in force: revision ' + p.revision }),
    h('p', { class: 'muted' }, [
      'stored ' + fmtTime(p.updatedAt) + ' (' + ago(p.updatedAt) + ') by ',
      mono(p.updatedBy),
      p.summary ? ' · ' + p.summary : '',
    ]),
    h('pre', {
      class: 'policy-doc',
      id: 'policy-document',
      text: JSON.stringify(p.document, null, 2),
    }),
  ]);
}

function historyCard(items: PolicyMeta[]): HTMLElement {
  const rows = items.map((v) =>
    h(
      'tr',
      {
        class: 'clickable',
        dataset: { revision: v.revision },
        'aria-selected': String(v.revision === state.selected),
        onclick: () => void showDiff(v.revision),
      },
      [
        h('td', null, [
          String(v.revision),
          v.rollbackOf ? badge('rollback of ' + v.rollbackOf) : null,
        ]),
        h('td', { class: 'time', text: fmtTime(v.updatedAt) }),
        h('td', null, mono(v.updatedBy)),
        h('td', { class: 'summary', text: v.summary || (v.revision === 1 ? 'first version' : '') }),
      ],
    ),
  );
  return h('div', { class: 'card' }, [
    h('h2', { text: 'History' }),
    h('p', { class: 'muted', text: 'Newest first. Click a version to see what it changed.' }),
    h(
      'div',
      { class: 'table-wrap' },
      h('table', { class: 'grid', id: 'policy-history' }, [
        headRow(['Revision', 'Stored', 'By', 'What changed']),
        h('tbody', null, rows),
      ]),
    ),
  ]);
}

async function showDiff(revision: number): Promise<void> {
  state.selected = revision;
  for (const tr of document.querySelectorAll('#policy-history tr[data-revision]')) {
    tr.setAttribute(
      'aria-selected',
      String((tr as HTMLElement).dataset.revision === String(revision)),
    );
  }
  const box = $('policy-diff');
  show(box, true);
  if (revision === 1) {
    replace(box, [
      h('h2', { text: 'Revision 1' }),
      h('p', {
        class: 'muted',
        text: 'The first kept version: nothing before it to compare with.',
      }),
    ]);
    return;
  }
  replace(box, h('p', { class: 'muted', text: 'Loading the diff…' }));
  try {
    const d = await api<PolicyDiff>(
      'GET',
      '/v1/policy/diff?from=' + (revision - 1) + '&to=' + revision,
    );
    replace(box, [
      h('h2', { text: 'Revision ' + d.from + ' → ' + d.to }),
      h('p', { class: 'muted', text: d.summary }),
      h(
        'ul',
        { class: 'diff', id: 'policy-diff-lines' },
        d.changes.map((c) =>
          h('li', {
            class: 'mono op-' + { '+': 'add', '-': 'del', '~': 'mod' }[c.op],
            text: changeLine(c),
          }),
        ),
      ),
    ]);
  } catch (e) {
    if (!signOutOn401(e)) replace(box, h('p', { class: 'error', text: errorText(e) }));
  }
}

const text = (v: unknown) => JSON.stringify(v);

function changeLine(c: PolicyDiff['changes'][number]): string {
  if (c.op === '~') return '~ ' + c.path + ': ' + text(c.from) + ' → ' + text(c.to);
  return c.op + ' ' + c.path + ': ' + text(c.op === '+' ? c.to : c.from);
}

/** Parses the draft (a policy document, or `{ "document": … }`) and replays it. */
async function simulate(): Promise<void> {
  const out = $('policy-sim-result');
  const button = $<HTMLButtonElement>('policy-simulate');
  let draft: unknown;
  try {
    draft = JSON.parse($<HTMLTextAreaElement>('policy-draft').value);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    replace(
      out,
      h('p', {
        class: 'error',
        id: 'policy-sim-error',
        text: 'The draft is not JSON (' + why + '): paste a policy document as JSON.',
      }),
    );
    return;
  }
  const body =
    draft && typeof draft === 'object' && !Array.isArray(draft) && 'document' in draft
      ? draft
      : { document: draft };
  button.disabled = true;
  replace(out, h('p', { class: 'muted', text: 'Replaying recent jobs…' }));
  try {
    const sim = await api<PolicySimulation>('POST', '/v1/policy:simulate', body);
    replace(out, simulationResult(sim));
  } catch (e) {
    if (!signOutOn401(e))
      replace(out, h('p', { class: 'error', id: 'policy-sim-error', text: errorText(e) }));
  } finally {
    button.disabled = false;
  }
}

const money = (n: number) => (n < 0 ? '−' : '') + '$' + Math.abs(n).toFixed(2) + '/h';
const outcomeText = (o: SimOutcome) => o.outcome + (o.clusterId ? ' on ' + o.clusterId : '');

const count = (n: number) => h('strong', { class: 'count', text: String(n) });

function reasonsList(r: PolicySimulation['summary']['newlyPending']): HTMLElement | null {
  if (r.reasons.length === 0) return null;
  return h(
    'ul',
    { class: 'reasons' },
    r.reasons.map((x) => h('li', { text: x.jobs + ' × ' + x.reason })),
  );
}

/** Jobs waiting for a budget in money, and each of the draft's budgets against spend now. */
function budgetPressure(b: PolicySimulation['summary']['budgetPressure']): HTMLElement[] {
  if (!b || b.budgets.length === 0) return [];
  const items = b.budgets.map((x) =>
    h('li', {
      text:
        x.id +
        ': ' +
        x.spendPerHour.toFixed(2) +
        ' of ' +
        x.maxCostPerHour +
        ' ' +
        x.currency +
        '/h spent now',
    }),
  );
  return [
    h('dt', { text: 'Budget pressure' }),
    h('dd', { class: 'sim-budgets' }, [
      b.waiting.before + ' → ' + b.waiting.after + ' jobs waiting for a budget',
      h('ul', { class: 'reasons' }, items),
    ]),
  ];
}

function simulationResult(sim: PolicySimulation): HTMLElement {
  const s = sim.summary;
  const moves = s.moves.clusters.map((m) =>
    h('li', { text: m.from + ' → ' + m.to + ': ' + m.jobs + ' job' + (m.jobs === 1 ? '' : 's') }),
  );
  const rows = sim.changes.map((c) =>
    h('tr', { dataset: { jobId: c.jobId } }, [
      h('td', null, mono(c.jobId)),
      h('td', { text: c.project }),
      h('td', { text: outcomeText(c.before) }),
      h('td', { text: outcomeText(c.after), title: c.after.message || '' }),
    ]),
  );
  return h('div', { id: 'policy-sim-summary' }, [
    h('dl', { class: 'kv' }, [
      h('dt', { text: 'Jobs replayed' }),
      h('dd', { class: 'sim-replayed', text: String(s.replayed) }),
      h('dt', { text: 'Would change' }),
      h('dd', { class: 'sim-changed', text: String(s.changed) }),
      h('dt', { text: 'Moves between clusters' }),
      h('dd', { class: 'sim-moves' }, moves.length ? h('ul', { class: 'reasons' }, moves) : 'none'),
      h('dt', { text: 'Newly pending' }),
      h('dd', { class: 'sim-pending' }, [count(s.newlyPending.jobs), reasonsList(s.newlyPending)]),
      h('dt', { text: 'Newly rejected' }),
      h('dd', { class: 'sim-rejected' }, [
        count(s.newlyRejected.jobs),
        reasonsList(s.newlyRejected),
      ]),
      budgetPressure(s.budgetPressure),
      h('dt', { text: 'Cost per hour' }),
      h('dd', {
        class: 'sim-cost',
        text:
          money(s.costPerHour.before) +
          ' → ' +
          money(s.costPerHour.after) +
          ' (' +
          (s.costPerHour.change >= 0 ? '+' : '') +
          money(s.costPerHour.change) +
          ')',
      }),
    ]),
    rows.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h('table', { class: 'grid', id: 'policy-sim-changes' }, [
            headRow(['Job', 'Project', 'Now', 'Under the draft']),
            h('tbody', null, rows),
          ]),
        )
      : h('p', { class: 'muted', text: 'No replayed job would land differently.' }),
    sim.changesOmitted > 0
      ? h('p', { class: 'muted', text: sim.changesOmitted + ' more changed jobs not listed.' })
      : null,
  ]);
}
