/**
 * The embedded pair's writer thread (started by `sqlite-writer.node.ts`): it opens the pair on its
 * own connection to the same database file and runs the writes it is sent. The calls of one
 * message, and of every message that arrives in the same turn, share one group commit (one
 * transaction, one fsync); each reply is sent after that COMMIT returned, so the caller still
 * acknowledges nothing before it is durable.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSqlitePair } from './sqlite-pair.node.js';
import {
  LOCAL_RESULTS,
  toWire,
  WRITE_PATHS,
  type FromWriter,
  type ToWriter,
  type WriterData,
} from './sqlite-writer-protocol.node.js';

type Method = (...args: unknown[]) => unknown;

const port = parentPort!;
const data = workerData as WriterData;
const pair = createSqlitePair({
  path: data.path,
  ...(data.maxAttempts !== undefined && { maxAttempts: data.maxAttempts }),
  ...(data.batchConsumerWrites !== undefined && { batchConsumerWrites: data.batchConsumerWrites }),
  writer: 'inline',
});

/** Each writing method, bound to its table, by its path. */
const methods = new Map<string, Method>(
  WRITE_PATHS.map((path) => {
    const names = path.split('.');
    let owner: Record<string, unknown> = pair as unknown as Record<string, unknown>;
    for (const n of names.slice(0, -1)) owner = owner[n] as Record<string, unknown>;
    const fn = owner[names[names.length - 1]!] as Method;
    return [path, fn.bind(owner)];
  }),
);

let replies: Extract<FromWriter, { replies: unknown }>['replies'] = [];
let scheduled = false;
const flushReplies = () => {
  scheduled = false;
  if (replies.length === 0) return;
  port.postMessage({ replies } satisfies FromWriter);
  replies = [];
};
const reply = (r: (typeof replies)[number]) => {
  replies.push(r);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushReplies);
  }
};

function call(id: number, path: string, args: unknown[]): void {
  const method = methods.get(path);
  let result: unknown;
  try {
    if (!method) throw new Error(`${path} is not a write of the SQLite pair`);
    result = method(...args);
  } catch (e) {
    reply([id, false, toWire(e)]);
    return;
  }
  const local = path in LOCAL_RESULTS;
  Promise.resolve(result).then(
    (value) => reply([id, true, local ? undefined : value]),
    (e: unknown) => reply([id, false, toWire(e)]),
  );
}

port.on('message', (msg: ToWriter) => {
  if ('calls' in msg) {
    for (const [id, path, args] of msg.calls) call(id, path, args);
    return;
  }
  // Close: what waits commits (and is answered, once every reply's promise chain ran) first.
  void pair.store
    .close()
    .then(() => new Promise((resolve) => setImmediate(resolve)))
    .then(() => {
      flushReplies();
      port.postMessage({ closed: true } satisfies FromWriter);
      port.close();
    });
});
port.postMessage({ ready: true } satisfies FromWriter);
