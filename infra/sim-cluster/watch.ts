/**
 * Watch streams: one JSON event per line in a chunked 200 response. Replays events after the
 * requested resourceVersion from the store's history, answers a stale one with an ERROR event
 * carrying a 410 Expired Status (as a real server does), sends BOOKMARKs, honours timeoutSeconds.
 */
import type { ServerResponse } from 'node:http';
import { expired } from './errors.js';
import type { FieldRequirement, Requirement } from './selectors.js';
import { matchesFields, matchesLabels } from './selectors.js';
import type { Store, StoreEvent } from './store.js';
import type { Kind, KubeObject } from './types.js';

export interface WatchRequest {
  kind: Kind;
  apiVersion: string;
  namespace?: string;
  labels: Requirement[];
  fields: FieldRequirement[];
  /** Absent or "0": start with ADDED events for the current objects. */
  resourceVersion?: string;
  allowBookmarks: boolean;
  timeoutSeconds?: number;
  /** Answer any resumed watch with 410 (fault injection). */
  forceExpired: boolean;
  bookmarkMs: number;
  /** How objects are written in events (e.g. as a one-row Table for `kubectl get -w`). */
  present?: (object: KubeObject) => unknown;
}

/** Open watches, so the server can end them all on close. */
export type WatchRegistry = Set<() => void>;

export function serveWatch(
  store: Store,
  request: WatchRequest,
  res: ServerResponse,
  registry: WatchRegistry,
  headers: Record<string, string>,
): void {
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache',
  });
  res.flushHeaders();
  const send = (type: string, object: unknown) => {
    if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const present = request.present ?? ((o: KubeObject) => o);
  const rv = request.resourceVersion;
  const resumed = rv !== undefined && rv !== '' && rv !== '0';
  if (resumed && (request.forceExpired || Number(rv) < store.oldestWatchableVersion)) {
    const oldest = store.oldestWatchableVersion;
    send('ERROR', expired(Number(rv), oldest).toStatus());
    res.end();
    return;
  }
  const matches = (kind: Kind, object: KubeObject) =>
    kind === request.kind &&
    (request.namespace === undefined || object.metadata.namespace === request.namespace) &&
    matchesLabels(request.labels, object.metadata.labels) &&
    matchesFields(request.fields, object);
  const deliver = (event: StoreEvent) => {
    if (matches(event.kind, event.object)) send(event.type, present(event.object));
  };
  if (resumed) {
    for (const event of store.eventsSince(Number(rv))) deliver(event);
  } else {
    const initial = store.list(request.kind, request.namespace, (o) => matches(request.kind, o));
    for (const object of initial) send('ADDED', present(object));
  }
  const unsubscribe = store.subscribe(deliver);
  const timers: NodeJS.Timeout[] = [];
  if (request.allowBookmarks) {
    const bookmark = setInterval(() => {
      send('BOOKMARK', {
        kind: request.kind,
        apiVersion: request.apiVersion,
        metadata: { resourceVersion: String(store.resourceVersion) },
      });
    }, request.bookmarkMs);
    timers.push(bookmark);
  }
  const stop = () => {
    unsubscribe();
    timers.forEach((t) => clearInterval(t));
    registry.delete(stop);
    if (!res.writableEnded) res.end();
  };
  if (request.timeoutSeconds !== undefined && request.timeoutSeconds > 0) {
    timers.push(setTimeout(stop, request.timeoutSeconds * 1000));
  }
  registry.add(stop);
  res.on('close', stop);
}
