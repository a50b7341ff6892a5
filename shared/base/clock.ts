/** Time and identity, injected so the core is deterministic under test. */

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

// Random bytes are drawn from the platform CSPRNG a page at a time: one call per 256 ids instead of
// one per id (each call is a native round trip).
const pool = new Uint8Array(4096);
let poolIndex = pool.length;

function randomByte(): number {
  if (poolIndex >= pool.length) {
    crypto.getRandomValues(pool);
    poolIndex = 0;
  }
  return pool[poolIndex++]!;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** `bytes` random bytes from the same CSPRNG pool, as lower-case hex (two digits a byte). */
export function randomHex(bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++) out += HEX[randomByte()]!;
  return out;
}
