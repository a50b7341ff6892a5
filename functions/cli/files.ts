/** Reads a YAML or JSON document (a job, a schedule) from a file, or `-` for stdin. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CliError } from './args.js';

export function readDocument(file: string, cwd: string): unknown {
  const path = file === '-' ? 0 : resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new CliError(
      `cannot read ${file}${code === 'ENOENT' ? ': no such file' : code ? ` (${code})` : ''}`,
    );
  }
  try {
    // YAML is a superset of JSON, so one parser reads both.
    return parseYaml(text, { prettyErrors: true });
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new CliError(`${file} is not valid YAML or JSON: ${first}`);
  }
}
