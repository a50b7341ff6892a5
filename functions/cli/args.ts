/** What every command shares: its definition, the usage error, flag value parsers. */
import type { ParseArgsConfig } from 'node:util';
import type { Client } from './http.js';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | Array<string | boolean> | undefined>;

/** Wrong invocation: printed with the command's usage text, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A problem found before any request (bad configuration, unreadable file): exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export interface CommandContext extends Io {
  /** The API client, built on first use so `--help` needs no token. */
  api(): Client;
  json: boolean;
  now(): number;
  cwd: string;
}

export interface Command {
  /** `jobs`, or `tokens create` for a group's subcommand. */
  name: string;
  summary: string;
  /** The usage text shown by `--help` and with usage errors. */
  usage: string;
  options?: Options;
  /** Resolves the exit code (0 when omitted). */
  run(ctx: CommandContext, values: Values, positionals: string[]): Promise<number | void>;
}

/** Exactly `n` positionals, or a usage error naming what is missing or extra. */
export function expectPositionals(positionals: string[], names: string[]): string[] {
  if (positionals.length < names.length) {
    throw new UsageError(`missing ${names.slice(positionals.length).join(' and ')}`);
  }
  if (positionals.length > names.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[names.length])}`);
  }
  return positionals;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90`, `45s`, `10m`, `12h`, `30d` → seconds. */
export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} must be a duration such as 90s, 10m, 12h or 30d`);
  return Number(m[1]) * UNIT_SECONDS[m[2] || 's']!;
}

/** A positive whole number flag. */
export function parseCount(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number >= 1`);
  return n;
}

/** `a,b, c` → `['a', 'b', 'c']`. */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function str(values: Values, key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}
