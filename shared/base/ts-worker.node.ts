/**
 * A worker thread whose entry is a TypeScript file. On Node 20 neither the parent's
 * `node --import tsx` (npm start) nor a runner's own transform (vitest) reaches a worker thread,
 * so the thread registers tsx's hooks itself, in a small bootstrap, before it imports its entry.
 * Used by the SQLite writer thread and the simulated clusters' worker. Node only.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startTsWorker(entry: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
  const api = pathToFileURL(cjs.replace(/index\.cjs$/, 'index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(api)})
  .then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
