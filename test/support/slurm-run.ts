// Whether a vitest run includes a Slurm test file, from its command line, so the global setup starts
// the local Slurm only for runs that use it (no vitest import here: the global setup loads it).
/** Whether a vitest run (its command line) includes a Slurm test file: no file filter, or one naming slurm. */
export function runIncludesSlurm(argv: readonly string[]): boolean {
  const takesValue = new Set(['--config', '-c', '--root', '-r', '--project', '--reporter', '-t']);
  const at = argv.findIndex((a) => a === 'run' || a === 'watch' || a.endsWith('vitest.mjs'));
  const filters: string[] = [];
  for (let i = at + 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('-')) {
      if (takesValue.has(a)) i++;
      continue;
    }
    if (a !== 'run') filters.push(a);
  }
  return filters.length === 0 || filters.some((f) => f.toLowerCase().includes('slurm'));
}
