/**
 * Entry of the worker thread that hosts the simulated clusters (sim-host.ts starts it). On Node 20
 * neither `node --import tsx` (npm start) nor vitest's transform reaches a worker thread, so this
 * plain-JavaScript entry registers tsx in the thread and then loads the TypeScript worker.
 */
import { register } from 'tsx/esm/api';

register();
await import('./sim-worker.ts');
