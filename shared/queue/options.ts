/** The queue port's option ranges, checked the same way by every queue driver. */
import { AppError } from '../base/errors.js';
import type { PullOptions } from './port.js';

export const DEFAULT_MAX_ATTEMPTS = 5;

/** Checks pull options against the port's ranges; shared by the queue drivers. */
export function checkPullOptions(options: PullOptions): void {
  if (!Number.isInteger(options.max) || options.max < 1 || options.max > 100) {
    throw new AppError(
      'BAD_REQUEST',
      `pull max must be an integer from 1 to 100; got ${options.max}`,
    );
  }
  if (!Number.isFinite(options.visibilityMs) || options.visibilityMs < 0) {
    throw new AppError(
      'BAD_REQUEST',
      `visibilityMs must be a number of milliseconds >= 0; got ${options.visibilityMs}`,
    );
  }
}

/** Checks a `maxAttempts` option; shared by the queue drivers. */
export function checkMaxAttempts(maxAttempts: number): number {
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new AppError('INVALID_CONFIG', `maxAttempts must be an integer >= 1; got ${maxAttempts}`);
  }
  return maxAttempts;
}
