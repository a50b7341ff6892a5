/**
 * A job's callback deliveries in its detail view: each one's state, attempts, last answer, last
 * error and when it was last tried; the dead letters counted, with a Redrive button (for tokens
 * with jobs:submit) that sends them again through `POST /v1/jobs/:id/deliveries:redrive`.
 */
import { api } from './api.js';
import { act, can } from './core.js';
import { badge, h, headRow, timeCell, type Child } from './dom.js';
import type { Delivery, Job, Page } from './types.js';

function deliveryRow(d: Delivery): HTMLTableRowElement {
  const kind = d.state === 'delivered' ? 'ok' : d.state === 'dead' ? 'bad' : 'warn';
  const error = d.state !== 'delivered' && d.lastError ? d.lastError : '—';
  return h('tr', { dataset: { delivery: d.id, state: d.state } }, [
    h('td', { class: 'mono', text: d.eventType }),
    h('td', null, badge(d.state, kind)),
    h('td', { text: String(d.attempts) }),
    h('td', { text: d.lastStatus !== null ? 'HTTP ' + d.lastStatus : '—' }),
    h('td', { class: 'delivery-error', text: error }),
    h('td', null, d.lastAttemptAt ? timeCell(d.lastAttemptAt, true) : '—'),
    h('td', { class: 'mono', text: d.url }),
  ]);
}

/** "N failed for good" and, when the token may, the button that sends them again. */
function deadLetterBar(job: Job, dead: number): Child {
  if (dead === 0) return null;
  const text = dead + (dead === 1 ? ' delivery' : ' deliveries') + ' failed for good. ';
  const parts: Child[] = [h('span', { class: 'error', text })];
  if (can('jobs:submit')) {
    const redrive = h('button', {
      type: 'button',
      class: 'small',
      id: 'deliveries-redrive',
      text: 'Redrive',
      title: 'Send the dead letters again, in order, with their attempts reset',
    });
    const path = '/v1/jobs/' + encodeURIComponent(job.id) + '/deliveries:redrive';
    redrive.addEventListener('click', () => void act(redrive, () => api('POST', path)));
    parts.push(redrive);
  }
  return h('p', { class: 'dead-letters' }, parts);
}

export function deliveriesSection(job: Job, list: Page<Delivery> | null): Child {
  if (!list) return null;
  const dead = list.items.filter((d) => d.state === 'dead').length;
  return [
    h('h3', { id: 'job-deliveries', text: 'Callback deliveries' }),
    deadLetterBar(job, dead),
    list.items.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h('table', { class: 'grid deliveries' }, [
            headRow([
              'Event',
              'State',
              'Attempts',
              'Last answer',
              'Last error',
              'Last tried',
              'URL',
            ]),
            h('tbody', null, list.items.map(deliveryRow)),
          ]),
        )
      : h('p', { class: 'muted', text: 'No status webhook sent yet.' }),
  ];
}
