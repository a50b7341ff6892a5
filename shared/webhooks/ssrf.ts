/**
 * The SSRF guard for callback URLs (OWASP SSRF cheat sheet). Edge-safe: the resolver is injected.
 *
 * A URL passes when it is http(s) without credentials, its host is not a well-known internal name,
 * and *every* address the host resolves to is public. `check` returns the address it checked, and
 * the caller must connect to that address only (see pinned-fetch.node.ts), so a second DNS answer
 * can never slip past. The `allow` list (host, host:port, or CIDR) opts specific targets back in,
 * for local development only.
 */
import { AppError } from '../base/errors.js';
import type { Cidr, ParsedIp } from './ip.js';
import { blockedReason, embeddedIPv4, formatIp, inCidr, parseCidr, parseIp } from './ip.js';

export interface UrlGuardOptions {
  /** Every address `host` resolves to (A and AAAA). Injected: DNS at the edge, `dns` on Node. */
  resolve(host: string): Promise<string[]>;
  /** Entries allowed despite the rules: `host`, `host:port`, `[v6]:port`, or a CIDR / address. */
  allow?: readonly string[];
}

export interface CheckedTarget {
  /** The address to connect to; it passed the check. */
  address: string;
  family: 4 | 6;
  /** Lower-case host name without brackets or a trailing dot (for Host and SNI). */
  hostname: string;
  port: number;
}

export interface UrlGuard {
  /** Resolves the checked target, or throws `FORBIDDEN` (never retry) / `UNAVAILABLE` (retry). */
  check(url: URL | string): Promise<CheckedTarget>;
  /**
   * What `check` can tell without DNS: why the URL can never pass (its scheme, credentials, an
   * internal name, or a literal internal address), or undefined. Run when a callback is given, so
   * the job is refused then instead of every delivery failing later.
   */
  screen(url: URL | string): string | undefined;
}

/** Names that reach internal services whatever they resolve to. */
const BLOCKED_NAMES = [
  /^localhost$/,
  /\.localhost$/,
  /^metadata$/,
  /^metadata\.google\.internal$/,
  /^metadata\.goog$/,
  /^instance-data(\.ec2\.internal)?$/,
];

interface AllowList {
  hosts: Set<string>;
  hostPorts: Set<string>;
  cidrs: Cidr[];
}

function parseAllow(entries: readonly string[]): AllowList {
  const list: AllowList = { hosts: new Set(), hostPorts: new Set(), cidrs: [] };
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    const asCidr = parseCidr(entry.replace(/^\[(.*)\]$/, '$1'));
    if (asCidr) {
      list.cidrs.push(asCidr);
      continue;
    }
    const hostPort = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(entry);
    if (hostPort) list.hostPorts.add(`${normalHost(hostPort[1]!)}:${Number(hostPort[2])}`);
    else if (entry) list.hosts.add(normalHost(entry));
  }
  return list;
}

/** Host text without brackets or a trailing dot; IP literals in their usual form. */
function normalHost(host: string): string {
  const bare = host
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
  const ip = parseIp(bare);
  return ip ? formatIp(ip) : bare;
}

function refuse(message: string): AppError {
  return new AppError('FORBIDDEN', message, { retryable: false });
}

function cidrAllows(list: AllowList, ip: ParsedIp): boolean {
  const inner = embeddedIPv4(ip)?.ip;
  return list.cidrs.some((c) => inCidr(ip, c) || (inner !== undefined && inCidr(inner, c)));
}

interface Target {
  hostname: string;
  port: number;
  hostAllowed: boolean;
  /** The host as an IP literal, when it is one. */
  literal: ParsedIp | undefined;
}

const HINT = 'callbacks must reach a public address (webhooks.allowHosts opts a target in)';

export function createUrlGuard(options: UrlGuardOptions): UrlGuard {
  const allow = parseAllow(options.allow ?? []);

  /** The checks that need no DNS; throws `FORBIDDEN`. */
  function inspect(input: URL | string): Target {
    let url: URL;
    try {
      url = typeof input === 'string' ? new URL(input) : input;
    } catch {
      throw refuse('the callback URL is not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw refuse(`callback URL scheme ${url.protocol} is not allowed; use http or https`);
    }
    if (url.username || url.password) {
      throw refuse('the callback URL must not contain a user name or password');
    }
    const hostname = normalHost(url.hostname);
    if (!hostname) throw refuse('the callback URL has no host');
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const hostAllowed = allow.hosts.has(hostname) || allow.hostPorts.has(`${hostname}:${port}`);
    const literal = parseIp(hostname);
    if (!literal && !hostAllowed && BLOCKED_NAMES.some((re) => re.test(hostname))) {
      throw refuse(`callback host ${hostname} is an internal name; ${HINT}`);
    }
    if (literal) checkAddress(hostname, literal, hostAllowed);
    return { hostname, port, hostAllowed, literal };
  }

  function checkAddress(hostname: string, ip: ParsedIp, hostAllowed: boolean): void {
    const reason = blockedReason(ip);
    if (reason && !hostAllowed && !cidrAllows(allow, ip)) {
      const address = formatIp(ip);
      const what =
        address === hostname
          ? `callback address ${address} is`
          : `callback host ${hostname} resolves to ${address},`;
      throw refuse(`${what} ${reason}; ${HINT}`);
    }
  }

  return {
    screen(input) {
      try {
        inspect(input);
        return undefined;
      } catch (e) {
        return (e as AppError).message;
      }
    },

    async check(input) {
      // 1. The URL itself, and a literal address.
      const { hostname, port, hostAllowed, literal } = inspect(input);
      if (literal) return { address: formatIp(literal), family: literal.version, hostname, port };

      // 2. Every address the name resolves to must pass; one blocked answer refuses the URL.
      let addresses: string[];
      try {
        addresses = await options.resolve(hostname);
      } catch (e) {
        throw new AppError(
          'UNAVAILABLE',
          `cannot resolve callback host ${hostname}: ${String(e)}`,
          {
            retryable: true,
          },
        );
      }
      if (addresses.length === 0) {
        throw new AppError('UNAVAILABLE', `callback host ${hostname} has no addresses`, {
          retryable: true,
        });
      }
      let first: ParsedIp | undefined;
      for (const text of addresses) {
        const ip = parseIp(text);
        if (!ip) throw refuse(`callback host ${hostname} resolved to "${text}", not an IP address`);
        checkAddress(hostname, ip, hostAllowed);
        first ??= ip;
      }
      return { address: formatIp(first!), family: first!.version, hostname, port };
    },
  };
}
