#!/usr/bin/env node
// The `switchyard` bin: runs the TypeScript CLI (main.ts) through tsx's loader, so
// `npx switchyard …` works after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
