/**
 * The object store: an in-memory map written through to SQLite (a file, or `:memory:`), one global
 * resourceVersion counter, create statistics, and a bounded history of change events for watches.
 * Objects are kept per kind (a list of one kind never walks the others) and each SQLite
 * transaction writes the resourceVersion once, at its end.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Kind, KubeObject, WatchEventType } from './types.js';

export interface StoreEvent {
  rv: number;
  type: WatchEventType;
  kind: Kind;
  object: KubeObject;
}

export type StoreListener = (event: StoreEvent) => void;

const HISTORY_LIMIT = 5_000;

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** What `localeCompare` without arguments does, without building a collator on each call. */
const collate = new Intl.Collator().compare;

export class Store {
  private readonly db: Database.Database;
  /** kind → `namespace/name` → the stored object (never handed out: readers get copies). */
  private readonly objects = new Map<Kind, Map<string, KubeObject>>();
  /** Per kind, its keys in list order; dropped when a key is added or removed. */
  private readonly sorted = new Map<Kind, string[]>();
  private readonly createCounts = new Map<string, number>();
  private readonly tx: <T>(fn: () => T) => T;
  /** A write inside a transaction left the resourceVersion for the transaction's end to store. */
  private rvUnsaved = false;
  private readonly listeners = new Set<StoreListener>();
  private readonly history: StoreEvent[] = [];
  private rv: number;
  /** Every event with rv greater than this is still in `history`. */
  private floor: number;
  private readonly statements;

  constructor(dataFile: string | undefined) {
    if (dataFile) {
      // Private from the start (SQLite gives -wal/-shm the database file's mode).
      mkdirSync(dirname(dataFile), { recursive: true, mode: 0o700 });
      closeSync(openSync(dataFile, 'a', 0o600));
    }
    this.db = new Database(dataFile ?? ':memory:');
    if (dataFile) {
      this.db.pragma('journal_mode = WAL');
      // No fsync per write: WAL with NORMAL loses nothing when the process is killed (what the
      // restart tests do), only on an OS crash; a simulator need not pay four fsyncs per Job.
      this.db.pragma('synchronous = NORMAL');
    }
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS objects (kind TEXT NOT NULL, namespace TEXT NOT NULL,
        name TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, namespace, name));
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS creates (key TEXT PRIMARY KEY, count INTEGER NOT NULL);
    `);
    this.statements = {
      upsert: this.db.prepare(
        'INSERT OR REPLACE INTO objects (kind, namespace, name, body) VALUES (?, ?, ?, ?)',
      ),
      remove: this.db.prepare('DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?'),
      setMeta: this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      countCreate: this.db.prepare(
        'INSERT INTO creates (key, count) VALUES (?, 1) ON CONFLICT(key) DO UPDATE SET count = count + 1',
      ),
    };
    const rows = this.db.prepare('SELECT kind, namespace, name, body FROM objects').all() as {
      kind: Kind;
      namespace: string;
      name: string;
      body: string;
    }[];
    for (const row of rows) {
      this.kindMap(row.kind).set(key(row.namespace, row.name), JSON.parse(row.body) as KubeObject);
    }
    const counts = this.db.prepare('SELECT key, count FROM creates').all() as {
      key: string;
      count: number;
    }[];
    for (const row of counts) this.createCounts.set(row.key, row.count);
    // One wrapper for every transaction (better-sqlite3 builds four functions per `transaction`).
    const wrapped = this.db.transaction((fn: () => unknown) => {
      const result = fn();
      if (this.rvUnsaved) this.saveRv();
      return result;
    });
    this.tx = <T>(fn: () => T) => wrapped(fn) as T;
    const saved = this.db.prepare("SELECT value FROM meta WHERE key = 'resourceVersion'").get() as
      { value: string } | undefined;
    this.rv = saved ? Number(saved.value) : 1;
    this.floor = this.rv;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch may resume from. */
  get oldestWatchableVersion(): number {
    return this.floor;
  }

  get<T extends KubeObject = KubeObject>(
    kind: Kind,
    namespace: string,
    name: string,
  ): T | undefined {
    const found = this.objects.get(kind)?.get(key(namespace, name));
    return found ? (structuredClone(found) as T) : undefined;
  }

  /** The stored object itself, NOT a copy: look, never mutate (copy what you write back). */
  peek<T extends KubeObject = KubeObject>(
    kind: Kind,
    namespace: string,
    name: string,
  ): Readonly<T> | undefined {
    return this.objects.get(kind)?.get(key(namespace, name)) as T | undefined;
  }

  has(kind: Kind, namespace: string, name: string): boolean {
    return this.objects.get(kind)?.has(key(namespace, name)) ?? false;
  }

  /**
   * Objects of a kind, in one namespace or (namespace undefined) all, sorted by namespace/name;
   * `filter` looks at the stored object (read-only), so only the objects it keeps are copied.
   */
  list<T extends KubeObject = KubeObject>(
    kind: Kind,
    namespace?: string,
    filter?: (object: Readonly<KubeObject>) => boolean,
  ): T[] {
    const objects = this.objects.get(kind);
    if (!objects) return [];
    let keys = this.sorted.get(kind);
    if (!keys) this.sorted.set(kind, (keys = [...objects.keys()].sort(collate)));
    const prefix = namespace === undefined ? '' : `${namespace}/`;
    const out: T[] = [];
    for (const k of keys) {
      if (!k.startsWith(prefix)) continue;
      const object = objects.get(k)!;
      if (!filter || filter(object)) out.push(structuredClone(object) as T);
    }
    return out;
  }

  /** How many objects of a kind are stored. */
  count(kind: Kind): number {
    return this.objects.get(kind)?.size ?? 0;
  }

  /**
   * The stored objects of a kind, unsorted and NOT copied: for readers that only look (a tick
   * checking what is due). Never mutate them or keep them past the next write.
   */
  peekAll<T extends KubeObject = KubeObject>(kind: Kind): Iterable<Readonly<T>> {
    return (this.objects.get(kind)?.values() ?? []) as Iterable<T>;
  }

  /** Fills server-side metadata, stores the object and emits ADDED. Caller checks existence. */
  create<T extends KubeObject>(kind: Kind, object: T, now: Date): T {
    return this.write(kind, stamp(kind, object, now), 'ADDED');
  }

  update<T extends KubeObject>(kind: Kind, object: T): T {
    return this.write(kind, object, 'MODIFIED');
  }

  /** `create` for a caller that does not use the stored copy (saves making one). */
  add(kind: Kind, object: KubeObject, now: Date): void {
    this.write(kind, stamp(kind, object, now), 'ADDED', false);
  }

  /** `update` for a caller that does not use the stored copy (saves making one). */
  put(kind: Kind, object: KubeObject): void {
    this.write(kind, object, 'MODIFIED', false);
  }

  delete(kind: Kind, namespace: string, name: string): KubeObject | undefined {
    const k = key(namespace, name);
    const objects = this.objects.get(kind);
    const existing = objects?.get(k);
    if (!objects || !existing) return undefined;
    const rv = this.bump();
    const deleted = structuredClone(existing);
    deleted.metadata.resourceVersion = String(rv);
    this.persist(() => this.statements.remove.run(kind, namespace, name));
    objects.delete(k);
    this.sorted.delete(kind);
    this.emit({ rv, type: 'DELETED', kind, object: deleted });
    return structuredClone(deleted);
  }

  /**
   * Runs `fn`'s writes as one SQLite transaction: a kill -9 keeps all of them or none (a Job
   * without its pod, or an ended pod whose Job never finishes, is what a real cluster never shows).
   */
  atomically<T>(fn: () => T): T {
    return this.tx(fn);
  }

  countCreate(namespace: string, name: string): void {
    const k = `${namespace}/${name}`;
    this.statements.countCreate.run(k);
    this.createCounts.set(k, (this.createCounts.get(k) ?? 0) + 1);
  }

  /** Creates per `namespace/name`, in the code-unit order SQLite's ORDER BY gave. */
  creates(): Record<string, number> {
    const keys = [...this.createCounts.keys()].sort();
    return Object.fromEntries(keys.map((k) => [k, this.createCounts.get(k)!]));
  }

  /** Events of `kind` with rv > `after`, oldest first. */
  eventsSince(after: number): StoreEvent[] {
    return this.history.filter((e) => e.rv > after);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
    this.db.close();
  }

  private write<T extends KubeObject>(kind: Kind, object: T, type: WatchEventType): T;
  private write(kind: Kind, object: KubeObject, type: WatchEventType, copy: false): void;
  private write<T extends KubeObject>(
    kind: Kind,
    object: T,
    type: WatchEventType,
    copy = true,
  ): T | void {
    const rv = this.bump();
    object.metadata.resourceVersion = String(rv);
    const namespace = object.metadata.namespace ?? '';
    const body = JSON.stringify(object);
    this.persist(() => this.statements.upsert.run(kind, namespace, object.metadata.name, body));
    const stored = JSON.parse(body) as T;
    const objects = this.kindMap(kind);
    const k = key(namespace, object.metadata.name);
    if (!objects.has(k)) this.sorted.delete(kind);
    objects.set(k, stored);
    this.emit({ rv, type, kind, object: stored });
    if (copy) return JSON.parse(body) as T;
  }

  /** Runs a row write with the resourceVersion: now, or at the end of the open transaction. */
  private persist(run: () => void): void {
    const write = () => {
      run();
      this.rvUnsaved = true;
    };
    if (this.db.inTransaction) write();
    else this.tx(write);
  }

  private saveRv(): void {
    this.statements.setMeta.run('resourceVersion', String(this.rv));
    this.rvUnsaved = false;
  }

  private kindMap(kind: Kind): Map<string, KubeObject> {
    let objects = this.objects.get(kind);
    if (!objects) this.objects.set(kind, (objects = new Map()));
    return objects;
  }

  private bump(): number {
    this.rv += 1;
    return this.rv;
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    while (this.history.length > HISTORY_LIMIT) {
      const dropped = this.history.shift();
      if (dropped) this.floor = dropped.rv;
    }
    for (const listener of this.listeners) listener(event);
  }
}

/** The server-side metadata of a created object. */
function stamp<T extends KubeObject>(kind: Kind, object: T, now: Date): T {
  object.metadata.uid ??= randomUUID();
  object.metadata.creationTimestamp = isoSeconds(now);
  if (kind === 'Job') object.metadata.generation = 1;
  return object;
}

/** RFC 3339 with second precision, as Kubernetes writes timestamps. */
export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, -5)}Z`; // toISOString always ends in ".sssZ"
}
