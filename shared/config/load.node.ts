/** Reads the configuration file (YAML or JSON) and applies environment overrides. Node-only. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { AppError } from '../base/errors.js';
import { applyEnv, parseConfig, type SwitchyardConfig } from './schema.js';

export const DEFAULT_CONFIG_PATH = fileURLToPath(
  new URL('../../infra/config/embedded.yaml', import.meta.url),
);

export function loadConfig(env: Record<string, string | undefined> = process.env): {
  config: SwitchyardConfig;
  source: string;
} {
  const source = env.SWITCHYARD_CONFIG ?? DEFAULT_CONFIG_PATH;
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (e) {
    throw new AppError(
      'INVALID_CONFIG',
      `cannot read the configuration file ${source}: ${(e as Error).message}. Set SWITCHYARD_CONFIG to a readable YAML or JSON file.`,
    );
  }
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (e) {
    throw new AppError(
      'INVALID_CONFIG',
      `${source} is not valid YAML/JSON: ${(e as Error).message}`,
    );
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new AppError('INVALID_CONFIG', `${source} must hold a mapping at the top level`);
  }
  return { config: parseConfig(applyEnv(doc as Record<string, unknown>, env), source), source };
}
