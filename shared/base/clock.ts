/** Time and identity, injected so the core is deterministic under test. */
import { randomByte } from './random.js';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

// The last conversion, reused: a submission asks for the same millisecond several times (its
// events, createdAt, the decision), and under load many requests share one.
let lastMs = NaN;
let lastIso = '';

export function iso(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A ULID-style id in lower case (26 chars: 10 of time, 16 random) so it sorts by creation and is a
 * valid Kubernetes name part.
 */
export function newId(clock: Clock = systemClock): string {
  let t = clock.now();
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  let rand = '';
  for (let i = 0; i < 16; i++) rand += CROCKFORD[randomByte() % 32];
  return time + rand;
}
