/** The dashboard's stylesheet: system fonts only (no font or CDN requests), light, dense tables. */
export const DASHBOARD_CSS = `
:root {
  --bg: #f5f6f8; --card: #fff; --ink: #1d2430; --muted: #667085; --line: #e3e6eb;
  --accent: #2f5bd3; --ok: #13795b; --ok-bg: #e3f5ee; --warn: #9a5b00; --warn-bg: #fff2dc;
  --bad: #b42318; --bad-bg: #fde8e6; --info: #2f5bd3; --info-bg: #e6edff; --idle: #475467;
  --idle-bg: #eef0f3; --bar: #d8dde6;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 14px; color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
.copy-all { user-select: all; }
[hidden] { display: none !important; }
button { font: inherit; cursor: pointer; border: 1px solid var(--accent); background: var(--accent);
  color: #fff; border-radius: 6px; padding: 5px 12px; }
button:hover { filter: brightness(1.08); }
button:disabled { opacity: .55; cursor: progress; }
button.ghost { background: transparent; color: var(--accent); }
button.small { padding: 2px 9px; font-size: 12.5px; }
button.danger { background: transparent; color: var(--bad); border-color: var(--bad); }
button.link { background: none; border: none; padding: 0; color: var(--accent); text-align: left; }
button.link:hover { text-decoration: underline; }
input, select, textarea { font: inherit; border: 1px solid var(--line); border-radius: 6px;
  padding: 5px 8px; background: #fff; color: var(--ink); }
textarea { width: 100%; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }

.top { display: flex; align-items: center; gap: 6px 12px; flex-wrap: wrap; padding: 10px 24px; background: #141a26; color: #fff; }
.top .whoami { color: #d6def0; font-size: 12.5px; }
.top .brand { font-weight: 700; font-size: 17px; letter-spacing: .2px; }
.top .tagline { color: #a9b4c8; }
.top .spacer { flex: 1; }
.top .refresh-status { color: #a9b4c8; font-size: 12.5px; }
.top button.ghost { color: #fff; border-color: #5b6b8a; }
.sim-note { margin: 0; padding: 8px 24px; background: var(--warn-bg); color: var(--warn);
  border-bottom: 1px solid #f3d9a8; }
main { padding: 18px 24px 40px; max-width: 1500px; margin: 0 auto; }
h1 { font-size: 20px; margin: 0 0 8px; }
h2 { font-size: 16px; margin: 18px 0 8px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
.muted { color: var(--muted); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; }
.login { max-width: 620px; margin: 40px auto; }
.login form { display: grid; gap: 8px; margin-top: 12px; }
.login form button { justify-self: start; }
.error { background: var(--bad-bg); color: var(--bad); border: 1px solid #f5c2bd; border-radius: 8px;
  padding: 8px 12px; margin: 10px 0; white-space: pre-wrap; }
.notice { background: var(--info-bg); color: #1d3a8a; border: 1px solid #c6d4ff; border-radius: 8px;
  padding: 8px 12px; margin: 10px 0; }
.notice ul { margin: 4px 0 0; padding-left: 20px; }

.tabs { display: flex; gap: 4px; overflow-x: auto; border-bottom: 1px solid var(--line); margin-bottom: 14px; }
.tabs button { background: none; border: none; border-bottom: 2px solid transparent; color: var(--muted);
  border-radius: 0; padding: 8px 14px; font-weight: 600; }
.tabs button[aria-selected="true"] { color: var(--ink); border-bottom-color: var(--accent); }

/* Wide tables scroll inside their own box on narrow screens instead of squeezing cells to a word
   per line or widening the page. */
.table-wrap { max-width: 100%; overflow-x: auto; }
table.grid { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line);
  border-radius: 10px; overflow: hidden; }
table.grid th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: .4px; background: #fafbfc; }
table.grid th, table.grid td { padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top;
  overflow-wrap: break-word; }
table.grid th { white-space: nowrap; }
table.events td:last-child, table.candidates td:last-child { overflow-wrap: anywhere; min-width: 16em; }
table.candidates td:nth-child(-n+3), table.events td:nth-child(-n+3) { white-space: nowrap; }
#jobs-table td.gpus, #jobs-table td.priority, #usage-table td.quota, #schedules-table td.mono { white-space: nowrap; }
table.grid tr:last-child td { border-bottom: none; }
table.grid tbody tr.clickable { cursor: pointer; }
table.grid tbody tr.clickable:hover { background: #f7f9ff; }
table.grid tbody tr.selected { background: #eef3ff; }

.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600;
  background: var(--idle-bg); color: var(--idle); white-space: nowrap; }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.warn { background: var(--warn-bg); color: var(--warn); }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.badge.info { background: var(--info-bg); color: var(--info); }
.tag { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 11.5px; background: var(--idle-bg);
  color: var(--idle); margin: 1px 3px 1px 0; }
.tag.sim { background: var(--warn-bg); color: var(--warn); font-weight: 600; text-transform: uppercase; }

.gpu { display: grid; grid-template-columns: 100px 120px auto; align-items: center; gap: 8px; margin: 2px 0; }
.gpu .bar { height: 10px; background: var(--bar); border-radius: 5px; overflow: hidden; }
.gpu .gpu-count { white-space: nowrap; }
.gpu .bar span { display: block; height: 100%; background: var(--ok); }
.gpu .bar.full span { background: var(--warn); }
.gpu .bar.unknown { background: repeating-linear-gradient(135deg, var(--bar) 0 4px, #eef0f3 4px 8px); }
.run { white-space: nowrap; }
.actions { display: flex; gap: 6px; flex-wrap: wrap; }

.filters { display: flex; gap: 14px; align-items: end; margin-bottom: 12px; flex-wrap: wrap; }
.filters label { display: grid; gap: 3px; font-size: 12px; color: var(--muted); }
.jobs-layout { display: grid; grid-template-columns: minmax(0, 1fr); gap: 16px; align-items: start; }
.jobs-layout.with-detail { grid-template-columns: minmax(0, 5fr) minmax(0, 6fr); }
#jobs-more { margin-top: 10px; }
.job-detail h2 { margin-top: 0; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.job-detail .head-actions { margin-left: auto; display: flex; gap: 6px; }
pre.job-log { max-height: 360px; overflow: auto; background: #0f1419; color: #e6e6e6; border-radius: 8px;
  padding: 10px 12px; margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; }
dl.kv { display: grid; grid-template-columns: 150px minmax(0, 1fr); gap: 4px 12px; margin: 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; overflow-wrap: anywhere; }
.reasons { margin: 0; padding-left: 16px; }
.time { white-space: nowrap; }
table.events td:first-child { width: 1%; }
/* Beside an open detail (which shows them too) the list drops its GPUs, priority and origin. */
@media (min-width: 1001px) {
  .jobs-layout.with-detail #jobs-table :is(.gpus, .priority, .origin) { display: none; }
}
/* The Policy tab: the document in force scrolls in its own box; a diff line per change. */
pre.policy-doc { max-height: 320px; overflow: auto; background: #f7f8fa; border: 1px solid var(--line);
  border-radius: 6px; padding: 8px 10px; margin: 0; font-size: 12px; }
#policy-history tr[aria-selected="true"] { background: #eef3ff; }
#policy-diff, .policy-sim { margin-top: 16px; }
ul.diff { margin: 0; padding-left: 0; list-style: none; overflow-wrap: anywhere; }
ul.diff .op-add { color: var(--ok); }
ul.diff .op-del { color: var(--bad); }
.policy-sim label { display: block; margin-bottom: 4px; color: var(--muted); font-size: 12px; }
.policy-sim .actions { margin: 8px 0; }
ul.steps { margin: 0; padding-left: 0; list-style: none; }
ul.steps li { margin: 2px 0; white-space: nowrap; }
@media (max-width: 1000px) { .jobs-layout.with-detail { grid-template-columns: minmax(0, 1fr); } }
@media (max-width: 600px) {
  .top, .sim-note { padding-left: 12px; padding-right: 12px; }
  .top .tagline { display: none; }
  main { padding: 12px 10px 30px; }
  .card { padding: 12px; }
  dl.kv { grid-template-columns: minmax(0, 1fr); gap: 0; }
  dl.kv dd { margin-bottom: 6px; }
}
`;
