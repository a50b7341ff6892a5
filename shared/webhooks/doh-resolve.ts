/**
 * Name resolution for the SSRF guard where there is no `dns` module (Workers): DNS over HTTPS
 * (RFC 8484 JSON form) for A and AAAA records. IP literals never reach it.
 */
import { AppError } from '../base/errors.js';

interface DohAnswer {
  Status: number;
  Answer?: Array<{ type: number; data: string }>;
}

export function createDohResolver(
  options: { endpoint?: string; fetch?: typeof fetch; timeoutMs?: number } = {},
) {
  const endpoint = options.endpoint ?? 'https://cloudflare-dns.com/dns-query';
  const doFetch = options.fetch ?? fetch;
  async function query(host: string, type: 'A' | 'AAAA'): Promise<string[]> {
    const res = await doFetch(`${endpoint}?name=${encodeURIComponent(host)}&type=${type}`, {
      headers: { accept: 'application/dns-json' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    });
    if (!res.ok)
      throw new AppError('UNAVAILABLE', `DNS lookup of ${host} failed (${res.status}); will retry`);
    const body = (await res.json()) as DohAnswer;
    const want = type === 'A' ? 1 : 28;
    return (body.Answer ?? []).filter((a) => a.type === want).map((a) => a.data);
  }
  return async function resolve(host: string): Promise<string[]> {
    const [v4, v6] = await Promise.all([query(host, 'A'), query(host, 'AAAA')]);
    return [...v4, ...v6];
  };
}
