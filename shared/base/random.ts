/**
 * Random bytes from the platform CSPRNG (Web Crypto, edge-safe), drawn a page at a time: one native
 * call per 4,096 bytes instead of one per id, trace or span id (each call is a native round trip,
 * and a job takes several ids on its way).
 */
const pool = new Uint8Array(4096);
let poolIndex = pool.length;

export function randomByte(): number {
  if (poolIndex >= pool.length) {
    crypto.getRandomValues(pool);
    poolIndex = 0;
  }
  return pool[poolIndex++]!;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** `bytes` random bytes as lower-case hex (two digits a byte). */
export function randomHex(bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++) out += HEX[randomByte()]!;
  return out;
}
