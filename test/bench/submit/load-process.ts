/**
 * The load generator of `bench:submit`, in its own process so client work never shares the
 * server's CPU time slice accounting: `concurrency` keep-alive clients each post the body in a loop
 * for `seconds`, then it prints one JSON line: requests answered 202, other answers, latencies.
 * Usage: tsx load-process.ts <url> <token|-> <concurrency> <seconds> <body-json>
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

const [url, token, concurrencyArg, secondsArg, body] = process.argv.slice(2);
const target = new URL(url!);
const concurrency = Number(concurrencyArg);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function post(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: '/v1/jobs',
        method: 'POST',
        headers: {
          ...(token && token !== '-' ? { authorization: `Bearer ${token}` } : {}),
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body!),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const until = performance.now() + Number(secondsArg) * 1000;
  const latencies: number[] = [];
  const others: Record<string, number> = {};
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        const status = await post();
        if (status === 202) latencies.push(performance.now() - t);
        else others[status] = (others[status] ?? 0) + 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  process.stdout.write(JSON.stringify({ ok: latencies.length, others, elapsed, latencies }) + '\n');
}

void main();
