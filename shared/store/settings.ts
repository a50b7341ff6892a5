/**
 * Read-modify-write of one setting (the signing-key ring, the routing policy) that never overwrites
 * a concurrent change: `change` gets the value read, and runs again on a fresh read whenever
 * another writer got in between. Edge-safe.
 */
import { AppError } from '../base/errors.js';
import type { SettingsTable } from './port.js';

const ATTEMPTS = 10;

/** Stores `change(current)` over exactly the value read; returns what it stored. */
export async function updateSetting<T>(
  settings: SettingsTable,
  key: string,
  change: (current: T | undefined) => T,
  what: string,
): Promise<T> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await settings.get<T>(key);
    const next = change(current);
    const stored =
      current === undefined
        ? await settings.putIfAbsent(key, next)
        : await settings.replace(key, current, next);
    if (stored) return next;
  }
  throw new AppError('CONFLICT', `${what} kept changing while this request updated it: retry`, {
    retryable: true,
  });
}
