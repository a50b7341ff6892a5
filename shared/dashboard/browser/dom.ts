/**
 * DOM helpers for the dashboard: building elements, badges and times. Every string from the API
 * reaches the page through `textContent` (the `h` helper), never as HTML.
 */

/** What `h` and `append` accept as children: nullish and `false` are skipped, arrays flattened. */
export type Child = Node | string | number | null | undefined | false | Child[];

export interface Props {
  class?: string;
  text?: string | number;
  onclick?: (ev: MouseEvent) => void;
  dataset?: Record<string, string | number>;
  [attribute: string]: unknown;
}

/** The element with this id; the page (page.ts) has every id the script asks for. */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

/** Builds an element; strings and numbers in children become text nodes, nullish ones are skipped. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  children?: Child,
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    for (const k of Object.keys(props)) {
      const v = props[k];
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = String(v);
      else if (k === 'text') el.textContent = String(v);
      else if (k === 'onclick') el.addEventListener('click', v as EventListener);
      else if (k === 'dataset') {
        const data = v as Record<string, string | number>;
        for (const d of Object.keys(data)) el.dataset[d] = String(data[d]);
      } else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append<E extends Node>(el: E, children: Child): E {
  if (children === undefined || children === null || children === false) return el;
  const list = Array.isArray(children) ? children : [children];
  for (const c of list) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (typeof c === 'string' || typeof c === 'number') {
      el.appendChild(document.createTextNode(String(c)));
    } else el.appendChild(c);
  }
  return el;
}

export function replace<E extends Element>(el: E, children: Child): E {
  el.replaceChildren();
  return append(el, children);
}

export function show(el: HTMLElement, yes: boolean): void {
  el.hidden = !yes;
}

export function badge(text: string, kind?: string): HTMLSpanElement {
  return h('span', { class: 'badge ' + (kind || ''), text });
}

const STATE_KIND: Record<string, string> = {
  received: 'info',
  pending: 'warn',
  dispatched: 'info',
  submitted: 'info',
  running: 'info',
  succeeded: 'ok',
  failed: 'bad',
  cancelled: '',
  rejected: 'bad',
  active: 'ok',
  cordoned: 'warn',
  draining: 'warn',
  offline: 'bad',
  placed: 'ok',
};

export function stateBadge(state: string): HTMLSpanElement {
  return badge(state, STATE_KIND[state] || '');
}

export const TERMINAL: Record<string, boolean> = {
  succeeded: true,
  failed: true,
  cancelled: true,
  rejected: true,
};

/** In the browser's zone, or in the given IANA zone with the zone's short name appended. */
export function fmtTime(iso: string | null | undefined, zone?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (isNaN(d.getTime())) return String(iso);
  const opts: Intl.DateTimeFormatOptions = {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  };
  if (zone) {
    opts.timeZone = zone;
    opts.timeZoneName = 'short';
  } else opts.second = '2-digit';
  try {
    return d.toLocaleString(undefined, opts);
  } catch {
    return d.toISOString();
  }
}

export function ago(iso: string | null | undefined): string {
  if (!iso) return '—';
  const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (isNaN(s)) return '—';
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm';
  if (s < 86400) return Math.floor(s / 3600) + 'h';
  return Math.floor(s / 86400) + 'd';
}

export function timeCell(
  iso: string | null | undefined,
  relative?: boolean,
  zone?: string,
): HTMLSpanElement {
  const text = relative ? (iso ? ago(iso) + ' ago' : '—') : fmtTime(iso, zone);
  return h('span', { class: 'time', title: iso || '' }, text);
}

export function labelTags(labels: Record<string, string> | undefined): HTMLSpanElement[] {
  const all = labels || {};
  return Object.keys(all)
    .sort()
    .map((k) => h('span', { class: 'tag', text: k + '=' + all[k] }));
}

export function mono(text: string | undefined): HTMLSpanElement {
  return h('span', { class: 'mono', text });
}

/** A table header row of plain column titles. */
export function headRow(titles: string[]): HTMLTableSectionElement {
  return h(
    'thead',
    null,
    h(
      'tr',
      null,
      titles.map((t) => h('th', { text: t })),
    ),
  );
}
