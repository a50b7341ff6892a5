/**
 * `GET …/pods/<name>/log?follow=true` on the simulated cluster, as `kubectl logs -f` uses it: a
 * chunked `text/plain` answer that first sends what the pod printed so far (with `sinceTime`,
 * `sinceSeconds`, `tailLines` and `timestamps` as without follow), then each new line as the
 * simulated pod "prints" it (a `step k/N` per second, then the exit line), and ends when the pod
 * has ended or is deleted, as the real API does. A pod that has not started answers as without
 * follow and ends (the real API answers 400 until its container runs). Lines are looked for every
 * `FOLLOW_POLL_MS`; the stream also ends when the client goes or the server closes.
 */
import type { ServerResponse } from 'node:http';
import type { ApiContext, Target } from './api-context.js';
import { BASE_HEADERS } from './http.js';
import { podLogBody, simulatedPodLogLines } from './pod-log.js';
import type { PodObject } from './types.js';

export const FOLLOW_POLL_MS = 200;

const ended = (pod: PodObject) =>
  Boolean(
    (pod.status.containerStatuses?.[0]?.state as { terminated?: unknown } | undefined)?.terminated,
  );

const current = (ctx: ApiContext, t: Target) =>
  ctx.store.get<PodObject>('Pod', t.namespace ?? '', t.name ?? '');

export function followPodLog(
  ctx: ApiContext,
  t: Target,
  first: PodObject,
  res: ServerResponse,
  query: URLSearchParams,
): void {
  const now = Date.now();
  const lines = simulatedPodLogLines(first, now, ctx.defaultDurationSeconds);
  res.writeHead(200, { ...BASE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  res.write(podLogBody(lines, query, now));
  if (!first.status.startTime || ended(first)) return void res.end();
  // Later lines are only formatted: `timestamps` still applies, the selection does not.
  const format = new URLSearchParams(query.get('timestamps') === 'true' ? 'timestamps=true' : '');
  let sent = lines.length;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    if (timer) clearTimeout(timer);
    ctx.watches.delete(stop);
    if (!res.writableEnded) res.end();
  };
  const poll = () => {
    const pod = current(ctx, t);
    if (!pod || pod.metadata.uid !== first.metadata.uid) return stop();
    const at = Date.now();
    const all = simulatedPodLogLines(pod, at, ctx.defaultDurationSeconds);
    const over = ended(pod);
    // The exit line is stamped with the end, which may fall before a step already sent.
    const from = over ? Math.min(sent, all.length - 1) : sent;
    if (all.length > from) res.write(podLogBody(all.slice(from), format, at));
    sent = Math.max(sent, all.length);
    if (over) return stop();
    timer = setTimeout(poll, FOLLOW_POLL_MS);
  };
  ctx.watches.add(stop);
  res.on('close', stop);
  timer = setTimeout(poll, FOLLOW_POLL_MS);
}
