#!/usr/bin/env node
// The `switchyard` bin: runs the CLI as built by `npm ci` / `npm install` (the `prepare` script,
// functions/cli/build.mjs) into dist/cli/switchyard.mjs. When that file is missing (a checkout
// where install scripts did not run) it says so in one line and runs the TypeScript through tsx.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const built = new URL('../../dist/cli/switchyard.mjs', import.meta.url);
if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  process.stderr.write(
    'switchyard: dist/cli/switchyard.mjs is missing (run `npm run build:cli`); running from source through tsx, which is slower\n',
  );
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
