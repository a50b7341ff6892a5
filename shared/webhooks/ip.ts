/**
 * IP address parsing and classification for the SSRF guard. Edge-safe: pure string and bigint
 * work. Parses every IPv4 form a URL parser or resolver might hand over (dotted decimal, octal,
 * hex, short forms such as `127.1`, a single 32-bit number) and every IPv6 form (compressed,
 * embedded dotted IPv4, zone ids), and classifies addresses that map onto IPv4 (mapped,
 * compatible, SIIT, NAT64, 6to4) by the IPv4 address inside them.
 */

export interface ParsedIp {
  version: 4 | 6;
  /** 32 bits for IPv4, 128 for IPv6. */
  value: bigint;
  /** IPv6 zone id (`fe80::1%eth0`), without the `%`. */
  zone?: string;
}

const MAX_V4 = 0xffffffffn;

function parseV4Part(part: string): bigint | undefined {
  if (part === '') return undefined;
  let digits = part;
  let radix = 10;
  if (/^0x/i.test(part)) {
    digits = part.slice(2);
    radix = 16;
    if (digits === '') return 0n;
  } else if (part.length > 1 && part.startsWith('0')) {
    digits = part.slice(1);
    radix = 8;
  }
  const valid = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!valid.test(digits) || digits.length > 40) return undefined;
  let n = 0n;
  for (const ch of digits.toLowerCase()) n = n * BigInt(radix) + BigInt(parseInt(ch, radix));
  return n;
}

/** IPv4 in any form the WHATWG URL parser accepts (`127.1`, `0x7f.0.0.1`, `2130706433`…). */
export function parseIPv4(input: string): ParsedIp | undefined {
  const parts = input.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0 || parts.length > 4) return undefined;
  const numbers: bigint[] = [];
  for (const p of parts) {
    const n = parseV4Part(p);
    if (n === undefined) return undefined;
    numbers.push(n);
  }
  const last = numbers.pop()!;
  if (numbers.some((n) => n > 255n)) return undefined;
  if (last >= 256n ** BigInt(5 - parts.length)) return undefined;
  let value = last;
  numbers.forEach((n, i) => (value += n << BigInt(8 * (3 - i))));
  return value <= MAX_V4 ? { version: 4, value } : undefined;
}

/** Strict dotted-quad decimal, as allowed at the end of an IPv6 address. */
function parseDottedQuad(s: string): bigint | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  let value = 0n;
  for (const octet of m.slice(1)) {
    const n = Number(octet);
    if (n > 255) return undefined;
    value = (value << 8n) + BigInt(n);
  }
  return value;
}

/** IPv6, with or without brackets, `::` compression, a dotted IPv4 tail and a zone id. */
export function parseIPv6(input: string): ParsedIp | undefined {
  let s = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  let zone: string | undefined;
  const pct = s.indexOf('%');
  if (pct >= 0) {
    zone = decodeURIComponentSafe(s.slice(pct + 1));
    s = s.slice(0, pct);
    if (!zone || !/^[A-Za-z0-9_.~-]{1,64}$/.test(zone)) return undefined;
  }
  if (!s.includes(':') || s.length > 64) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const words: bigint[] = [];
  const all = [...head, ...(halves.length === 2 ? ['::'] : []), ...tail];
  for (const [i, g] of all.entries()) {
    if (g === '::') {
      words.push(-1n);
      continue;
    }
    if (i === all.length - 1 && g.includes('.')) {
      const v4 = parseDottedQuad(g);
      if (v4 === undefined) return undefined;
      words.push(v4 >> 16n, v4 & 0xffffn);
      continue;
    }
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    words.push(BigInt(parseInt(g, 16)));
  }
  const explicit = words.filter((w) => w >= 0n).length;
  const gap = words.indexOf(-1n);
  if (gap >= 0 ? explicit > 7 : explicit !== 8) return undefined;
  const full =
    gap >= 0
      ? [...words.slice(0, gap), ...Array<bigint>(8 - explicit).fill(0n), ...words.slice(gap + 1)]
      : words;
  let value = 0n;
  for (const w of full) value = (value << 16n) + w;
  return zone ? { version: 6, value, zone } : { version: 6, value };
}

function decodeURIComponentSafe(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Either family; `undefined` when `input` is not an IP literal (so it is a host name). */
export function parseIp(input: string): ParsedIp | undefined {
  return input.includes(':') || input.startsWith('[') ? parseIPv6(input) : parseIPv4(input);
}

/** The usual text form: dotted quad, or compressed lower-case IPv6 (with `%zone`). */
export function formatIp(ip: ParsedIp): string {
  if (ip.version === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join('.');
  }
  const words = Array.from({ length: 8 }, (_, i) =>
    Number((ip.value >> BigInt(16 * (7 - i))) & 0xffffn),
  );
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  const text =
    best.at < 0
      ? hex.join(':')
      : `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
  return ip.zone ? `${text}%${ip.zone}` : text;
}

export interface Cidr {
  version: 4 | 6;
  base: bigint;
  bits: number;
}

/** `10.0.0.0/8`, `fc00::/7`, or a bare address (a /32 or /128). */
export function parseCidr(input: string): Cidr | undefined {
  const slash = input.lastIndexOf('/');
  const addr = slash >= 0 ? input.slice(0, slash) : input;
  const ip = parseIp(addr);
  if (!ip || ip.zone) return undefined;
  const max = ip.version === 4 ? 32 : 128;
  const bits = slash >= 0 ? Number(input.slice(slash + 1)) : max;
  if (!Number.isInteger(bits) || bits < 0 || bits > max || !/^\d*$/.test(input.slice(slash + 1))) {
    return undefined;
  }
  return { version: ip.version, base: ip.value, bits };
}

export function inCidr(ip: ParsedIp, cidr: Cidr): boolean {
  if (ip.version !== cidr.version) return false;
  const width = BigInt(ip.version === 4 ? 32 : 128);
  const shift = width - BigInt(cidr.bits);
  return ip.value >> shift === cidr.base >> shift;
}

const cidr = (s: string): Cidr => parseCidr(s)!;

/** Blocked IPv4 ranges, most specific first, with the reason given when refusing. */
const V4_BLOCKED: Array<[Cidr, string]> = [
  [cidr('169.254.169.254/32'), 'a cloud metadata address'],
  [cidr('255.255.255.255/32'), 'the broadcast address'],
  [cidr('0.0.0.0/8'), 'an unspecified ("this network") address'],
  [cidr('10.0.0.0/8'), 'a private address'],
  [cidr('100.64.0.0/10'), 'a carrier-grade NAT address'],
  [cidr('127.0.0.0/8'), 'a loopback address'],
  [cidr('169.254.0.0/16'), 'a link-local address'],
  [cidr('172.16.0.0/12'), 'a private address'],
  [cidr('192.0.0.0/24'), 'an IETF protocol assignment address'],
  [cidr('192.0.2.0/24'), 'a documentation address'],
  [cidr('192.168.0.0/16'), 'a private address'],
  [cidr('198.18.0.0/15'), 'a benchmarking address'],
  [cidr('198.51.100.0/24'), 'a documentation address'],
  [cidr('203.0.113.0/24'), 'a documentation address'],
  [cidr('224.0.0.0/4'), 'a multicast address'],
  [cidr('240.0.0.0/4'), 'a reserved address'],
];

/** IPv6 ranges that carry an IPv4 address in their last 32 bits. */
const V6_EMBEDDING_V4: Array<[Cidr, string]> = [
  [cidr('::ffff:0:0/96'), 'IPv4-mapped'],
  [cidr('::ffff:0:0:0/96'), 'IPv4-translated (SIIT)'],
  [cidr('64:ff9b::/96'), 'NAT64'],
];

const V6_BLOCKED: Array<[Cidr, string]> = [
  [cidr('::/128'), 'the unspecified address'],
  [cidr('::1/128'), 'a loopback address'],
  [cidr('fd00:ec2::254/128'), 'a cloud metadata address'],
  [cidr('64:ff9b:1::/48'), 'a local-use NAT64 address'],
  [cidr('100::/64'), 'a discard-only address'],
  [cidr('2001::/32'), 'a Teredo tunnel address (its real destination cannot be checked)'],
  [cidr('2001:db8::/32'), 'a documentation address'],
  [cidr('fc00::/7'), 'a unique-local address'],
  [cidr('fe80::/10'), 'a link-local address'],
  [cidr('fec0::/10'), 'a site-local address'],
  [cidr('ff00::/8'), 'a multicast address'],
];

/**
 * Why `ip` must not be reached from here, or `undefined` if it is a public address. An IPv6
 * address that embeds an IPv4 one is judged by that IPv4 address (and named with both).
 */
export function blockedReason(ip: ParsedIp): string | undefined {
  if (ip.version === 4) return V4_BLOCKED.find(([c]) => inCidr(ip, c))?.[1];
  const embedded = embeddedIPv4(ip);
  if (embedded) {
    const reason = blockedReason(embedded.ip);
    return reason && `${embedded.kind} form of ${formatIp(embedded.ip)}, ${reason}`;
  }
  return V6_BLOCKED.find(([c]) => inCidr(ip, c))?.[1];
}

/** The IPv4 address inside an IPv6 one (mapped, SIIT, NAT64, compatible, 6to4), if any. */
export function embeddedIPv4(ip: ParsedIp): { ip: ParsedIp; kind: string } | undefined {
  if (ip.version !== 6) return undefined;
  const low32: ParsedIp = { version: 4, value: ip.value & MAX_V4 };
  for (const [range, kind] of V6_EMBEDDING_V4) if (inCidr(ip, range)) return { ip: low32, kind };
  // IPv4-compatible (::a.b.c.d, deprecated), except :: and ::1 themselves.
  if (ip.value >> 32n === 0n && ip.value > 1n) return { ip: low32, kind: 'IPv4-compatible' };
  // 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD.
  if (ip.value >> 112n === 0x2002n) {
    return { ip: { version: 4, value: (ip.value >> 80n) & MAX_V4 }, kind: '6to4' };
  }
  return undefined;
}
