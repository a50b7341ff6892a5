/**
 * The dashboard's shell: sign-in and sign-out, tabs, the error and notice boxes, actions from
 * buttons and the refresh loop. The views register themselves through `registerViews` (main.ts),
 * so this module imports none of them.
 */
import { ApiError, api, errorText, token, TOKEN_KEY } from './api.js';
import { $, replace, show, type Child } from './dom.js';
import type { Cluster, Page, Tab, WhoAmI } from './types.js';

const REFRESH_MS = 3000;
const TABS: Tab[] = ['clusters', 'queues', 'jobs', 'schedules', 'usage', 'policy', 'maintenance'];
/** Tabs shown only to tokens with a scope (the API would refuse the others anyway). */
const TAB_SCOPE: Partial<Record<Tab, string>> = {
  policy: 'policy:admin',
  maintenance: 'clusters:admin',
};

export interface View {
  init?(): void;
  reset?(): void;
  load(): Promise<void>;
}
export interface ClustersView {
  init?(): void;
  reset?(): void;
  header(items: Cluster[]): void;
  render(items: Cluster[]): void;
}
export type Views = { clusters: ClustersView } & Record<Exclude<Tab, 'clusters'>, View>;

export const current = {
  tab: 'clusters' as Tab,
  timer: null as ReturnType<typeof setInterval> | null,
  busy: false,
  lastKey: {} as Record<string, string>,
  me: null as WhoAmI | null,
};

let registered: Views | null = null;

export function registerViews(v: Views): void {
  registered = v;
}

function views(): Views {
  if (!registered) throw new Error('the dashboard views are not registered (see main.ts)');
  return registered;
}

/** Whether the signed-in token has a scope (from GET /v1/whoami): buttons follow the scopes. */
export function can(scope: string): boolean {
  return !!(current.me && current.me.scopes.indexOf(scope) >= 0);
}

async function loadMe(withToken?: string): Promise<WhoAmI> {
  const me = await api<WhoAmI>('GET', '/v1/whoami', undefined, withToken);
  current.me = me;
  const projects =
    me.projects.indexOf('*') >= 0 ? 'all projects' : 'projects ' + me.projects.join(', ');
  $('whoami').textContent = me.tenantId + ' · ' + projects;
  $('whoami').title = 'scopes: ' + me.scopes.join(', ');
  for (const t of TABS) show($('tab-' + t), allowed(t));
  if (!allowed(current.tab)) markTab('clusters');
  return me;
}

export function setError(e: unknown): void {
  const box = $('error');
  if (!e) {
    show(box, false);
    box.textContent = '';
    return;
  }
  box.textContent = errorText(e);
  show(box, true);
}

export function setNotice(children: Child): void {
  const box = $('notice');
  if (!children) {
    show(box, false);
    box.replaceChildren();
    return;
  }
  replace(box, children);
  show(box, true);
}

/** Runs an action from a button, disabling it meanwhile; errors go to the error box. */
export async function act(button: HTMLButtonElement, fn: () => Promise<unknown>): Promise<void> {
  button.disabled = true;
  try {
    setError(null);
    await fn();
    await refresh(true);
  } catch (e) {
    if (!signOutOn401(e)) setError(e);
  } finally {
    button.disabled = false;
  }
}

export function signOutOn401(e: unknown): boolean {
  if (e instanceof ApiError && e.status === 401) {
    signOut(errorText(e));
    return true;
  }
  return false;
}

function showLogin(message?: string): void {
  show($('app'), false);
  show($('sign-out'), false);
  show($('sim-note'), false);
  $('whoami').textContent = '';
  $('refresh-status').textContent = '';
  show($('login'), true);
  const box = $('login-error');
  box.textContent = message || '';
  show(box, !!message);
  $('token-input').focus();
}

function signOut(message?: string): void {
  sessionStorage.removeItem(TOKEN_KEY);
  if (current.timer) {
    clearInterval(current.timer);
    current.timer = null;
  }
  current.lastKey = {};
  current.me = null;
  for (const v of Object.values(views()) as Array<View | ClustersView>) v.reset?.();
  setError(null);
  setNotice(null);
  showLogin(message);
}

async function signIn(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const input = $<HTMLInputElement>('token-input');
  const t = input.value.trim().replace(/^Bearer\s+/i, '');
  const box = $('login-error');
  if (!/^[\x21-\x7e]+$/.test(t)) {
    box.textContent = 'Paste the token itself: one line of printable characters, no spaces.';
    show(box, true);
    return;
  }
  const button = (ev.submitter ||
    (input.form as HTMLFormElement).querySelector('button')) as HTMLButtonElement;
  button.disabled = true;
  try {
    await loadMe(t);
    sessionStorage.setItem(TOKEN_KEY, t);
    input.value = '';
    startApp();
  } catch (e) {
    box.textContent = errorText(e);
    show(box, true);
  } finally {
    button.disabled = false;
  }
}

/** Whether the token may see a tab; before whoami answers every tab is allowed (load checks again). */
function allowed(tab: Tab): boolean {
  const scope = TAB_SCOPE[tab];
  return !scope || !current.me || can(scope);
}

function markTab(tab: Tab): void {
  current.tab = tab;
  for (const t of TABS) {
    $('tab-' + t).setAttribute('aria-selected', String(t === tab));
    show($('panel-' + t), t === tab);
  }
  if (location.hash !== '#' + tab) history.replaceState(null, '', '#' + tab);
}

export function selectTab(wanted: string): void {
  const known = (TABS as string[]).indexOf(wanted) >= 0;
  markTab(known && allowed(wanted as Tab) ? (wanted as Tab) : 'clusters');
  setNotice(null);
  void refresh(true);
}

/** Re-renders a view only when its data changed, so selections and focus survive refreshes. */
export function changed(key: string, data: unknown): boolean {
  const s = JSON.stringify(data);
  if (current.lastKey[key] === s) return false;
  current.lastKey[key] = s;
  return true;
}

export async function refresh(force: boolean): Promise<void> {
  if (!token()) return;
  if (current.busy && !force) return;
  if (!force && document.hidden) return;
  current.busy = true;
  try {
    if (!current.me) await loadMe();
    const clusters = await api<Page<Cluster>>('GET', '/v1/clusters');
    const v = views();
    v.clusters.header(clusters.items);
    if (current.tab === 'clusters') v.clusters.render(clusters.items);
    else await v[current.tab].load();
    setError(null);
    $('refresh-status').textContent =
      'updated ' + new Date().toLocaleTimeString() + ' · every ' + REFRESH_MS / 1000 + ' s';
  } catch (e) {
    if (!signOutOn401(e)) {
      setError(e);
      $('refresh-status').textContent = 'refresh failed ' + new Date().toLocaleTimeString();
    }
  } finally {
    current.busy = false;
  }
}

function startApp(): void {
  show($('login'), false);
  show($('app'), true);
  show($('sign-out'), true);
  selectTab((location.hash || '').slice(1) || current.tab);
  if (!current.timer) current.timer = setInterval(() => void refresh(false), REFRESH_MS);
}

/** Wires the page once the DOM is there: the login form, sign-out, the tabs and every view. */
export function init(): void {
  $('login-form').addEventListener('submit', (ev) => void signIn(ev as SubmitEvent));
  $('sign-out').addEventListener('click', () => signOut());
  for (const t of TABS) $('tab-' + t).addEventListener('click', () => selectTab(t));
  for (const v of Object.values(views()) as Array<View | ClustersView>) v.init?.();
  if (token()) startApp();
  else showLogin();
}
