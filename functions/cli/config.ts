/** Where the API is and which token to use: flags, then environment, then the token file. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError, UsageError } from './args.js';

export const DEFAULT_URL = 'http://127.0.0.1:8787';

export interface Connection {
  url: string;
  token: string;
}

export function resolveUrl(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const raw = flag ?? env.SWITCHYARD_URL ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(
      `--url / SWITCHYARD_URL must be an http(s) URL, got ${JSON.stringify(raw)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `--url / SWITCHYARD_URL must be an http(s) URL, got ${JSON.stringify(raw)}`,
    );
  }
  return raw.replace(/\/+$/, '');
}

/**
 * `--token`, else `SWITCHYARD_TOKEN`, else the file `npm start` writes:
 * `$SWITCHYARD_DATA_DIR/token`, by default `.switchyard/token` in the working directory.
 */
export function resolveToken(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): string {
  const given = flag ?? env.SWITCHYARD_TOKEN;
  if (given?.trim()) return given.trim();
  const file = join(resolve(cwd, env.SWITCHYARD_DATA_DIR ?? '.switchyard'), 'token');
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    throw new CliError(
      `no API token: pass --token or set SWITCHYARD_TOKEN, or run this where \`npm start\` ` +
        `wrote ${file}`,
    );
  }
  if (!text) throw new CliError(`the token file ${file} is empty`);
  return text;
}
