/** Plain-text output: aligned tables, ages, key/value blocks. */

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `12s`, `5m`, `3h`, `2d` since `iso`; `-` for none. */
export function age(iso: string | null | undefined, now: number): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** `key:  value` lines with the values aligned; entries without a value are left out. */
export function fields(entries: Array<[string, string | number | null | undefined]>): string {
  const shown = entries.filter((e): e is [string, string | number] => e[1] != null && e[1] !== '');
  const width = Math.max(...shown.map(([k]) => k.length)) + 2;
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`).join('\n');
}

/** `HH:MM:SS` of an ISO time (UTC), for event lines. */
export function clock(iso: string): string {
  return iso.length >= 19 ? iso.slice(11, 19) : iso;
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
