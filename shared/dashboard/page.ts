/**
 * The dashboard's HTML shell. It holds no data: the script fills the panels from the API. The
 * token form has no `name` on its field and the CSP forbids form posts, so a token can never end
 * up in a URL even if the script fails to load.
 */
import { JOB_STATES as STATES } from '../domain/job.js';

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<header class="top">
  <span class="brand">Switchyard</span>
  <span class="tagline">GPU job dispatcher</span>
  <span class="spacer"></span>
  <span id="whoami" class="whoami"></span>
  <span id="refresh-status" class="refresh-status" aria-live="polite"></span>
  <button id="sign-out" class="ghost" type="button" hidden>Sign out</button>
</header>
<p id="sim-note" class="sim-note" hidden></p>
<main>
  <section id="login" class="login card" hidden>
    <h1>Sign in</h1>
    <p>Paste a Switchyard API token. <code>npm start</code> writes the admin token to
      <code>.switchyard/token</code>. It is kept in this tab's session storage only and sent as
      <code>Authorization: Bearer</code> to the <code>/v1</code> API.</p>
    <form id="login-form" method="post" action="/" autocomplete="off">
      <label for="token-input">API token</label>
      <textarea id="token-input" rows="4" spellcheck="false" autocomplete="off"
        placeholder="eyJhbGciOiJFZERTQSIs…"></textarea>
      <button type="submit">Sign in</button>
    </form>
    <p id="login-error" class="error" role="alert" hidden></p>
  </section>

  <section id="app" hidden>
    <nav class="tabs" role="tablist" aria-label="Views">
      <button type="button" role="tab" id="tab-clusters" data-tab="clusters">Clusters</button>
      <button type="button" role="tab" id="tab-queues" data-tab="queues">Queues</button>
      <button type="button" role="tab" id="tab-jobs" data-tab="jobs">Jobs</button>
      <button type="button" role="tab" id="tab-schedules" data-tab="schedules">Schedules</button>
      <button type="button" role="tab" id="tab-usage" data-tab="usage">Usage</button>
      <button type="button" role="tab" id="tab-policy" data-tab="policy" hidden>Policy</button>
      <button type="button" role="tab" id="tab-maintenance" data-tab="maintenance" hidden>Maintenance</button>
    </nav>
    <div id="error" class="error" role="alert" hidden></div>
    <div id="notice" class="notice" role="status" hidden></div>

    <section id="panel-clusters" class="panel" role="tabpanel" aria-labelledby="tab-clusters" hidden>
      <div id="clusters-body"><p class="muted">Loading clusters…</p></div>
    </section>

    <section id="panel-queues" class="panel" role="tabpanel" aria-labelledby="tab-queues" hidden>
      <div id="queues-body"><p class="muted">Loading queues…</p></div>
    </section>

    <section id="panel-jobs" class="panel" role="tabpanel" aria-labelledby="tab-jobs" hidden>
      <form id="jobs-filter" class="filters" method="post" action="/">
        <label>Project <input id="filter-project" type="text" placeholder="any" spellcheck="false"></label>
        <label>State <select id="filter-state">
          <option value="">any</option>
          ${STATES.map((s) => `<option value="${s}">${s}</option>`).join('')}
        </select></label>
        <button type="submit">Apply</button>
      </form>
      <div class="jobs-layout">
        <div class="jobs-list">
          <div class="table-wrap"><table class="grid" id="jobs-table">
            <thead><tr><th>Name</th><th>Project</th><th>State</th><th>Cluster</th><th class="gpus">GPUs</th><th class="priority">Priority</th><th class="origin">Origin</th><th>Age</th></tr></thead>
            <tbody id="jobs-rows"></tbody>
          </table></div>
          <p id="jobs-empty" class="muted" hidden>No jobs match.</p>
          <button id="jobs-more" type="button" class="ghost" hidden>More</button>
        </div>
        <aside id="job-detail" class="job-detail card" aria-live="polite" hidden></aside>
      </div>
    </section>

    <section id="panel-schedules" class="panel" role="tabpanel" aria-labelledby="tab-schedules" hidden>
      <div id="schedules-body"><p class="muted">Loading schedules…</p></div>
    </section>

    <section id="panel-usage" class="panel" role="tabpanel" aria-labelledby="tab-usage" hidden>
      <div id="usage-body"><p class="muted">Loading usage…</p></div>
    </section>

    <section id="panel-maintenance" class="panel" role="tabpanel" aria-labelledby="tab-maintenance" hidden>
      <div id="maintenance-body"><p class="muted">Loading maintenance plans…</p></div>
    </section>

    <section id="panel-policy" class="panel" role="tabpanel" aria-labelledby="tab-policy" hidden>
      <div id="policy-body"><p class="muted">Loading the routing policy…</p></div>
      <div id="policy-diff" class="card" aria-live="polite" hidden></div>
      <form id="policy-sim-form" class="card policy-sim" method="post" action="/">
        <h2>What if? Replay recent jobs under a draft</h2>
        <label for="policy-draft">Draft policy (JSON, as PUT /v1/policy takes it)</label>
        <textarea id="policy-draft" rows="10" spellcheck="false" autocomplete="off"></textarea>
        <div class="actions">
          <button id="policy-simulate" type="submit">Simulate</button>
          <button id="policy-load-current" type="button" class="ghost">Start from the version in force</button>
        </div>
        <div id="policy-sim-result" aria-live="polite"></div>
      </form>
    </section>
  </section>
</main>
</body>
</html>
`;
