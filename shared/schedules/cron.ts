/** Cron expressions (five fields, read in an IANA time zone), through croner. */
import { Cron } from 'croner';
import { AppError } from '../base/errors.js';

function compile(expression: string, timezone: string): Cron {
  if (expression.trim().split(/\s+/).length !== 5) {
    throw new AppError(
      'BAD_REQUEST',
      'cron must have five fields: minute hour day-of-month month day-of-week, e.g. "*/15 * * * *"',
      {
        details: { fields: [{ path: 'cron', message: 'five fields expected' }] },
      },
    );
  }
  try {
    const cron = new Cron(expression, { timezone, paused: true });
    cron.nextRun(new Date(0)); // surfaces an unknown time zone now, not at the first firing
    return cron;
  } catch (e) {
    const bad = /timezone/i.test(String(e)) ? 'timezone' : 'cron';
    throw new AppError(
      'BAD_REQUEST',
      `${bad} is not valid: ${e instanceof Error ? e.message : String(e)}`,
      {
        details: { fields: [{ path: bad, message: 'not valid' }] },
      },
    );
  }
}

/** Validates an expression and time zone; throws BAD_REQUEST naming the bad field. */
export function validateCron(expression: string, timezone: string): void {
  compile(expression, timezone);
}

/** The first slot strictly after `afterMs`. */
export function nextSlot(expression: string, timezone: string, afterMs: number): number {
  const next = compile(expression, timezone).nextRun(new Date(afterMs));
  if (!next) throw new AppError('BAD_REQUEST', `cron ${expression} never fires`);
  return next.getTime();
}

/** The next `count` slots after `afterMs`. */
export function nextSlots(
  expression: string,
  timezone: string,
  afterMs: number,
  count: number,
): number[] {
  return compile(expression, timezone)
    .nextRuns(count, new Date(afterMs))
    .map((d) => d.getTime());
}

/**
 * Slots from `fromMs` (inclusive) up to `nowMs` (inclusive), at most `limit + 1` read; returns the
 * due slots and whether older ones were left out.
 */
export function dueSlots(
  expression: string,
  timezone: string,
  fromMs: number,
  nowMs: number,
  limit: number,
): { slots: number[]; skipped: number } {
  const cron = compile(expression, timezone);
  const all: number[] = [];
  let cursor = fromMs - 1;
  // Bounded: at most 10,000 slots are walked (a minutely schedule missed for a week).
  for (let i = 0; i < 10_000; i++) {
    const next = cron.nextRun(new Date(cursor))?.getTime();
    if (next === undefined || next > nowMs) break;
    all.push(next);
    cursor = next;
  }
  const slots = all.slice(-Math.max(limit, 1));
  return { slots, skipped: all.length - slots.length };
}
