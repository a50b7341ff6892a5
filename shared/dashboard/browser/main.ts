/**
 * The dashboard script's entry (bundled by infra/tools/build-dashboard.mjs into one IIFE, served
 * as `/dashboard.js`): registers the views with the shell and starts it once the DOM is ready.
 */
import { clustersView } from './clusters.js';
import { init, registerViews } from './core.js';
import { jobsView } from './jobs.js';
import { maintenanceView } from './maintenance.js';
import { policyView } from './policy.js';
import { queuesView } from './queues.js';
import { schedulesView } from './schedules.js';
import { usageView } from './usage.js';

registerViews({
  clusters: clustersView,
  jobs: jobsView,
  schedules: schedulesView,
  queues: queuesView,
  usage: usageView,
  policy: policyView,
  maintenance: maintenanceView,
});

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
