/** Log lines for humans and machines: `time level message key=value…` on stdout. */
import type { Logger } from '../../shared/base/log.js';

export function createConsoleLogger(options: { quiet?: boolean } = {}): Logger {
  const write = (level: string, msg: string, fields?: Record<string, unknown>) => {
    if (options.quiet && level === 'info') return;
    // A field without a value is left out (a pending job has no cluster), never `key=undefined`.
    const kv = Object.entries(fields ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
      .join(' ');
    process.stdout.write(
      `${new Date().toISOString()} ${level.padEnd(5)} ${msg}${kv ? ` ${kv}` : ''}\n`,
    );
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
