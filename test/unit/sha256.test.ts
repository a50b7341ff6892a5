import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256, sha256Base64 } from '../../shared/auth/sha256.js';
import { sha256Base64Native } from '../../shared/auth/sha256.node.js';

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

describe('sha256', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
  ])('FIPS 180-4 vector %j', (input, want) => {
    expect(hex(sha256(new TextEncoder().encode(input)))).toBe(want);
  });

  it('agrees with crypto.subtle on random inputs of every padding length', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 300 }), async (bytes) => {
        const want = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
        expect(hex(sha256(bytes))).toBe(hex(want));
      }),
      { numRuns: 300 },
    );
  });

  it('encodes as base64', async () => {
    const want = btoa(
      String.fromCharCode(
        ...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('token'))),
      ),
    );
    expect(sha256Base64('token')).toBe(want);
  });

  it('gives the same cache key as the native digest Node entry points use', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        expect(sha256Base64Native(text)).toBe(sha256Base64(text));
      }),
      { numRuns: 300 },
    );
  });
});
