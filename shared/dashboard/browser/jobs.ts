/**
 * The Jobs view: filters, cursor paging, rows with GPUs, priority and origin, and the detail of
 * the selected job (rendered by job-detail.ts), reloaded on every refresh while it is open.
 */
import { ApiError, api, errorText } from './api.js';
import { act, changed, current, refresh, setError, signOutOn401, type View } from './core.js';
import { $, ago, h, replace, show, stateBadge } from './dom.js';
import { originCell, renderDetail } from './job-detail.js';
import { stopLogs } from './job-logs.js';
import type { Delivery, Job, Page } from './types.js';
import { workloadCell } from './workload.js';

const PAGE = 25;

/** The list's filters and rows, and the job whose detail is open (schedules.ts opens one too). */
export const jobs = {
  items: [] as Job[],
  nextCursor: null as string | null,
  project: '',
  state: '',
  detailId: null as string | null,
};

function jobsQuery(extra: Record<string, string | number | null>): string {
  const q = new URLSearchParams();
  if (jobs.project) q.set('project', jobs.project);
  if (jobs.state) q.set('state', jobs.state);
  for (const k of Object.keys(extra)) q.set(k, String(extra[k]));
  return '/v1/jobs?' + q.toString();
}

export const jobsView: View = {
  init() {
    $('jobs-filter').addEventListener('submit', (ev) => {
      ev.preventDefault();
      jobs.project = $<HTMLInputElement>('filter-project').value.trim();
      jobs.state = $<HTMLSelectElement>('filter-state').value;
      jobs.items = [];
      void refresh(true);
    });
    $('jobs-more').addEventListener('click', () => {
      const b = $<HTMLButtonElement>('jobs-more');
      void act(b, async () => {
        const page = await api<Page<Job>>(
          'GET',
          jobsQuery({ limit: PAGE, cursor: jobs.nextCursor }),
        );
        jobs.items = jobs.items.concat(page.items);
        jobs.nextCursor = page.nextCursor ?? null;
        renderJobList();
      });
    });
  },
  reset() {
    jobs.items = [];
    jobs.nextCursor = null;
    closeDetail();
  },
  /** Reloads as many rows as are shown (up to the API's 500), so paging survives refreshes. */
  async load() {
    const limit = Math.min(500, Math.max(PAGE, jobs.items.length));
    const page = await api<Page<Job>>('GET', jobsQuery({ limit }));
    jobs.items = page.items;
    jobs.nextCursor = page.nextCursor ?? null;
    renderJobList();
    if (jobs.detailId) await loadDetail();
  },
};

function jobRow(j: Job): HTMLTableRowElement {
  const tr = h(
    'tr',
    {
      class: 'clickable' + (j.id === jobs.detailId ? ' selected' : ''),
      dataset: { jobId: j.id },
      tabindex: 0,
    },
    [
      h('td', null, [
        h('button', { type: 'button', class: 'link', text: j.name }),
        h('div', { class: 'muted mono', text: j.id }),
      ]),
      h('td', { text: j.project }),
      h('td', { class: 'state' }, stateBadge(j.state)),
      h('td', { text: j.clusterId || '—' }),
      h('td', { class: 'gpus', text: workloadCell(j.spec) }),
      h('td', { class: 'priority', text: String(j.spec ? j.spec.priority : '—') }),
      h('td', { class: 'origin' }, originCell(j.origin)),
      h('td', null, h('span', { class: 'time', title: j.createdAt, text: ago(j.createdAt) })),
    ],
  );
  tr.addEventListener('click', () => openDetail(j.id));
  tr.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') openDetail(j.id);
  });
  return tr;
}

function renderJobList(): void {
  replace($('jobs-rows'), jobs.items.map(jobRow));
  show($('jobs-empty'), jobs.items.length === 0);
  show($('jobs-table'), jobs.items.length > 0);
  show($('jobs-more'), !!jobs.nextCursor);
}

function openDetail(id: string): void {
  jobs.detailId = id;
  delete current.lastKey.job;
  renderJobList();
  loadDetail().catch((e: unknown) => {
    if (!signOutOn401(e)) setError(e);
  });
}

function closeDetail(): void {
  jobs.detailId = null;
  delete current.lastKey.job;
  stopLogs();
  const box = $('job-detail');
  show(box, false);
  box.replaceChildren();
  (box.parentNode as HTMLElement).classList.remove('with-detail');
}

async function loadDetail(): Promise<void> {
  const id = jobs.detailId as string;
  const box = $('job-detail');
  (box.parentNode as HTMLElement).classList.add('with-detail');
  show(box, true);
  try {
    const job = await api<Job>('GET', '/v1/jobs/' + encodeURIComponent(id));
    const deliveries =
      job.spec && job.spec.callback
        ? await api<Page<Delivery>>('GET', '/v1/jobs/' + encodeURIComponent(id) + '/deliveries')
        : null;
    if (jobs.detailId === id && changed('job', [job, deliveries])) {
      renderDetail(box, job, deliveries, () => {
        closeDetail();
        renderJobList();
      });
    }
  } catch (e) {
    if (e instanceof ApiError && e.status !== 401) {
      delete current.lastKey.job;
      replace(box, [
        h('h2', { text: 'Job ' + id }),
        h('p', { class: 'error', text: errorText(e) }),
      ]);
      return;
    }
    throw e;
  }
}
