#!/usr/bin/env node
// Builds the CLI into one plain-JavaScript file, dist/cli/switchyard.mjs, so `switchyard` starts
// in well under a second instead of compiling TypeScript through tsx on every run. `npm ci` and
// `npm install` run it (the `prepare` script); the bin (switchyard.mjs beside this file) runs
// its output; `node functions/cli/build.mjs OUTFILE` builds elsewhere. Everything, `yaml` included, is bundled: one file to read, nothing to resolve.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_OUTFILE = join(ROOT, 'dist', 'cli', 'switchyard.mjs');

/** Builds to `outfile` (default dist/cli/switchyard.mjs; tests build into their own temp dir). */
export async function buildCli(outfile = CLI_OUTFILE) {
  await build({
    entryPoints: [join(ROOT, 'functions', 'cli', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
    // Bundled CommonJS (yaml) calls require() for Node built-ins; ESM has no require of its own.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
  });
  return outfile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildCli(process.argv[2]);
}
