/** The dashboard's script, served as `/dashboard.js`: the client parts in one strict-mode IIFE. */
import { CLIENT_CLUSTERS } from './client-clusters.js';
import { CLIENT_CORE } from './client-core.js';
import { CLIENT_JOBS } from './client-jobs.js';
import { CLIENT_QUEUES } from './client-queues.js';
import { CLIENT_SCHEDULES } from './client-schedules.js';
import { CLIENT_USAGE } from './client-usage.js';

export const DASHBOARD_JS = [
  '(function () {',
  CLIENT_CORE,
  CLIENT_CLUSTERS,
  CLIENT_JOBS,
  CLIENT_SCHEDULES,
  CLIENT_QUEUES,
  CLIENT_USAGE,
  "if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);",
  'else init();',
  '})();',
  '',
].join('\n');
