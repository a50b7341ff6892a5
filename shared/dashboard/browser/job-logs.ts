/**
 * The log pane of a job's detail: the job's output (`GET /v1/jobs/:id/logs`, its last 1000 lines),
 * followed as a stream while the job runs, so new lines appear as the drainer ships them; the
 * stream ends when the job does. The pane outlives the detail's re-renders (the same element is
 * put back), and opening another job or closing the detail stops it.
 */
import { ApiError, errorText, token } from './api.js';
import { h, TERMINAL } from './dom.js';
import type { Job } from './types.js';

interface Pane {
  jobId: string;
  el: HTMLElement;
  pre: HTMLPreElement;
  status: HTMLElement;
  abort: AbortController;
}

let pane: Pane | null = null;

async function apiError(res: Response): Promise<ApiError> {
  try {
    const e = ((await res.json()) as { error: { code: string; message: string } }).error;
    return new ApiError(res.status, e.code, e.message);
  } catch {
    return new ApiError(res.status, 'HTTP_' + res.status, 'the API answered ' + res.status);
  }
}

async function stream(p: Pane, follow: boolean): Promise<void> {
  const path =
    '/v1/jobs/' + encodeURIComponent(p.jobId) + '/logs?tail=1000' + (follow ? '&follow=true' : '');
  const res = await fetch(path, {
    headers: { authorization: 'Bearer ' + token() },
    cache: 'no-store',
    credentials: 'omit',
    signal: p.abort.signal,
  });
  if (!res.ok || !res.body) throw await apiError(res);
  p.status.textContent = follow ? 'following…' : '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    const atEnd = p.pre.scrollTop + p.pre.clientHeight >= p.pre.scrollHeight - 4;
    p.pre.append(decoder.decode(r.value, { stream: true }));
    if (atEnd) p.pre.scrollTop = p.pre.scrollHeight;
  }
  if (!p.pre.textContent) p.pre.textContent = 'No output yet.';
  p.status.textContent = follow ? 'the job has ended' : '';
  p.el.dataset.ended = 'true';
}

/** The pane for `job`, started on first use; the same element while the same job is shown. */
export function logSection(job: Job): HTMLElement {
  if (pane && pane.jobId === job.id) return pane.el;
  stopLogs();
  const pre = h('pre', { class: 'job-log', id: 'job-log' });
  const status = h('span', { class: 'muted log-status', text: 'loading…' });
  const el = h('section', { class: 'job-logs' }, [h('h3', null, ['Output ', status]), pre]);
  const p: Pane = { jobId: job.id, el, pre, status, abort: new AbortController() };
  pane = p;
  stream(p, !TERMINAL[job.state]).catch((e: unknown) => {
    if (p.abort.signal.aborted) return;
    p.status.textContent = '';
    el.append(h('p', { class: 'error', text: errorText(e) }));
  });
  return el;
}

/** Stops following (the detail closed or shows another job). */
export function stopLogs(): void {
  pane?.abort.abort();
  pane = null;
}
