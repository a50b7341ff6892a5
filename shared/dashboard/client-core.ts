/**
 * Browser script, part 1: DOM helpers, the API client, sign-in and the refresh loop. Every string
 * from the API reaches the page through `textContent` (the `h` helper), never as HTML. Kept as a
 * string so the same bytes are served on Node and Workers without a build step; it avoids
 * template literals so it can live inside one.
 */
export const CLIENT_CORE = String.raw`
'use strict';
var TOKEN_KEY = 'switchyard.token';
var REFRESH_MS = 3000;
var TABS = ['clusters', 'queues', 'jobs', 'schedules', 'usage'];
var views = {};
var current = { tab: 'clusters', timer: null, busy: false, lastKey: {}, me: null };

/** Whether the signed-in token has a scope (from GET /v1/whoami): buttons follow the scopes. */
function can(scope) { return !!(current.me && current.me.scopes.indexOf(scope) >= 0); }

async function loadMe(withToken) {
  var me = await api('GET', '/v1/whoami', undefined, withToken);
  current.me = me;
  var projects = me.projects.indexOf('*') >= 0 ? 'all projects' : 'projects ' + me.projects.join(', ');
  $('whoami').textContent = me.tenantId + ' · ' + projects;
  $('whoami').title = 'scopes: ' + me.scopes.join(', ');
  return me;
}

function $(id) { return document.getElementById(id); }

/** Builds an element; strings and numbers in children become text nodes, nullish ones are skipped. */
function h(tag, props, children) {
  var el = document.createElement(tag);
  if (props) {
    Object.keys(props).forEach(function (k) {
      var v = props[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = String(v);
      else if (k === 'onclick') el.addEventListener('click', v);
      else if (k === 'dataset') Object.keys(v).forEach(function (d) { el.dataset[d] = String(v[d]); });
      else el.setAttribute(k, v === true ? '' : String(v));
    });
  }
  append(el, children);
  return el;
}
function append(el, children) {
  if (children === undefined || children === null || children === false) return el;
  if (!Array.isArray(children)) children = [children];
  children.forEach(function (c) {
    if (c === undefined || c === null || c === false) return;
    if (Array.isArray(c)) append(el, c);
    else if (typeof c === 'string' || typeof c === 'number') el.appendChild(document.createTextNode(String(c)));
    else el.appendChild(c);
  });
  return el;
}
function replace(el, children) { el.replaceChildren(); return append(el, children); }
function show(el, yes) { el.hidden = !yes; }

function badge(text, kind) { return h('span', { class: 'badge ' + (kind || ''), text: text }); }
var STATE_KIND = {
  received: 'info', pending: 'warn', dispatched: 'info', submitted: 'info', running: 'info',
  succeeded: 'ok', failed: 'bad', cancelled: '', rejected: 'bad',
  active: 'ok', cordoned: 'warn', draining: 'warn', offline: 'bad',
  placed: 'ok',
};
function stateBadge(state) { return badge(state, STATE_KIND[state] || ''); }
var TERMINAL = { succeeded: true, failed: true, cancelled: true, rejected: true };

/** In the browser's zone, or in the given IANA zone with the zone's short name appended. */
function fmtTime(iso, zone) {
  if (!iso) return '—';
  var d = new Date(iso);
  if (isNaN(d.getTime())) return String(iso);
  var opts = { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (zone) { opts.timeZone = zone; opts.timeZoneName = 'short'; } else opts.second = '2-digit';
  try { return d.toLocaleString(undefined, opts); } catch (e) { return d.toISOString(); }
}
function ago(iso) {
  if (!iso) return '—';
  var s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (isNaN(s)) return '—';
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm';
  if (s < 86400) return Math.floor(s / 3600) + 'h';
  return Math.floor(s / 86400) + 'd';
}
function timeCell(iso, relative, zone) {
  return h('span', { class: 'time', title: iso || '' }, relative ? (iso ? ago(iso) + ' ago' : '—') : fmtTime(iso, zone));
}

/** An API failure with the envelope's code and message (never a stack trace). */
function ApiError(status, code, message, requestId) {
  this.status = status; this.code = code; this.message = message; this.requestId = requestId;
}
function errorText(e) {
  if (e instanceof ApiError) {
    return e.code + ': ' + e.message + (e.requestId ? ' (request ' + e.requestId + ')' : '');
  }
  return 'Unexpected error in the dashboard: ' + (e && e.message ? e.message : String(e));
}

function token() { return sessionStorage.getItem(TOKEN_KEY); }

async function api(method, path, body, withToken) {
  var t = withToken || token();
  var headers = { accept: 'application/json', authorization: 'Bearer ' + t };
  var init = { method: method, headers: headers, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) { headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
  var res;
  try { res = await fetch(path, init); } catch (e) {
    throw new ApiError(0, 'NETWORK', 'cannot reach Switchyard (' + (e && e.message ? e.message : e) + ')');
  }
  var text = await res.text();
  var data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  if (!res.ok) {
    var err = data && data.error && typeof data.error === 'object' ? data.error : null;
    throw new ApiError(res.status, err && err.code ? String(err.code) : 'HTTP_' + res.status,
      err && err.message ? String(err.message) : 'the API answered ' + res.status + ' ' + res.statusText,
      err && err.requestId ? String(err.requestId) : undefined);
  }
  return data;
}

function setError(e) {
  var box = $('error');
  if (!e) { show(box, false); box.textContent = ''; return; }
  box.textContent = errorText(e);
  show(box, true);
}
function setNotice(children) {
  var box = $('notice');
  if (!children) { show(box, false); box.replaceChildren(); return; }
  replace(box, children);
  show(box, true);
}

/** Runs an action from a button, disabling it meanwhile; errors go to the error box. */
async function act(button, fn) {
  button.disabled = true;
  try { setError(null); await fn(); await refresh(true); }
  catch (e) { if (!signOutOn401(e)) setError(e); }
  finally { button.disabled = false; }
}

function signOutOn401(e) {
  if (e instanceof ApiError && e.status === 401) {
    signOut(errorText(e));
    return true;
  }
  return false;
}

function showLogin(message) {
  show($('app'), false); show($('sign-out'), false); show($('sim-note'), false);
  $('whoami').textContent = '';
  $('refresh-status').textContent = '';
  show($('login'), true);
  var box = $('login-error');
  box.textContent = message || '';
  show(box, !!message);
  $('token-input').focus();
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  if (current.timer) { clearInterval(current.timer); current.timer = null; }
  current.lastKey = {};
  current.me = null;
  Object.keys(views).forEach(function (k) { if (views[k].reset) views[k].reset(); });
  setError(null); setNotice(null);
  showLogin(message);
}

async function signIn(ev) {
  ev.preventDefault();
  var input = $('token-input');
  var t = input.value.trim().replace(/^Bearer\s+/i, '');
  var box = $('login-error');
  if (!/^[\x21-\x7e]+$/.test(t)) {
    box.textContent = 'Paste the token itself: one line of printable characters, no spaces.';
    show(box, true);
    return;
  }
  var button = ev.submitter || input.form.querySelector('button');
  button.disabled = true;
  try {
    await loadMe(t);
    sessionStorage.setItem(TOKEN_KEY, t);
    input.value = '';
    startApp();
  } catch (e) {
    box.textContent = errorText(e);
    show(box, true);
  } finally { button.disabled = false; }
}

function selectTab(tab) {
  if (TABS.indexOf(tab) < 0) tab = 'clusters';
  current.tab = tab;
  TABS.forEach(function (t) {
    $('tab-' + t).setAttribute('aria-selected', String(t === tab));
    show($('panel-' + t), t === tab);
  });
  if (location.hash !== '#' + tab) history.replaceState(null, '', '#' + tab);
  setNotice(null);
  refresh(true);
}

/** Re-renders a view only when its data changed, so selections and focus survive refreshes. */
function changed(key, data) {
  var s = JSON.stringify(data);
  if (current.lastKey[key] === s) return false;
  current.lastKey[key] = s;
  return true;
}

async function refresh(force) {
  if (!token()) return;
  if (current.busy && !force) return;
  if (!force && document.hidden) return;
  current.busy = true;
  try {
    if (!current.me) await loadMe();
    var clusters = await api('GET', '/v1/clusters');
    views.clusters.header(clusters.items);
    if (current.tab === 'clusters') views.clusters.render(clusters.items);
    else await views[current.tab].load();
    setError(null);
    $('refresh-status').textContent = 'updated ' + new Date().toLocaleTimeString() +
      ' · every ' + REFRESH_MS / 1000 + ' s';
  } catch (e) {
    if (!signOutOn401(e)) {
      setError(e);
      $('refresh-status').textContent = 'refresh failed ' + new Date().toLocaleTimeString();
    }
  } finally { current.busy = false; }
}

function startApp() {
  show($('login'), false); show($('app'), true); show($('sign-out'), true);
  selectTab((location.hash || '').slice(1) || current.tab);
  if (!current.timer) current.timer = setInterval(function () { refresh(false); }, REFRESH_MS);
}

function init() {
  $('login-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', function () { signOut(); });
  TABS.forEach(function (t) { $('tab-' + t).addEventListener('click', function () { selectTab(t); }); });
  Object.keys(views).forEach(function (k) { if (views[k].init) views[k].init(); });
  if (token()) startApp(); else showLogin();
}
`;
