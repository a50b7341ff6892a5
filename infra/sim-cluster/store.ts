/**
 * The object store: an in-memory map written through to SQLite (a file, or `:memory:`), one global
 * resourceVersion counter, create statistics, and a bounded history of change events for watches.
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

function key(kind: Kind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export class Store {
  private readonly db: Database.Database;
  private readonly objects = new Map<string, KubeObject>();
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
      this.objects.set(key(row.kind, row.namespace, row.name), JSON.parse(row.body) as KubeObject);
    }
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
    const found = this.objects.get(key(kind, namespace, name));
    return found ? (structuredClone(found) as T) : undefined;
  }

  /** Objects of a kind, in one namespace or (namespace undefined) all, sorted by namespace/name. */
  list<T extends KubeObject = KubeObject>(kind: Kind, namespace?: string): T[] {
    const prefix = namespace === undefined ? `${kind}/` : `${kind}/${namespace}/`;
    const out: T[] = [];
    for (const [k, v] of this.objects) if (k.startsWith(prefix)) out.push(structuredClone(v) as T);
    return out.sort((a, b) =>
      `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(
        `${b.metadata.namespace ?? ''}/${b.metadata.name}`,
      ),
    );
  }

  /** Fills server-side metadata, stores the object and emits ADDED. Caller checks existence. */
  create<T extends KubeObject>(kind: Kind, object: T, now: Date): T {
    object.metadata.uid ??= randomUUID();
    object.metadata.creationTimestamp = isoSeconds(now);
    if (kind === 'Job') object.metadata.generation = 1;
    return this.write(kind, object, 'ADDED');
  }

  update<T extends KubeObject>(kind: Kind, object: T): T {
    return this.write(kind, object, 'MODIFIED');
  }

  delete(kind: Kind, namespace: string, name: string): KubeObject | undefined {
    const k = key(kind, namespace, name);
    const existing = this.objects.get(k);
    if (!existing) return undefined;
    const rv = this.bump();
    const deleted = structuredClone(existing);
    deleted.metadata.resourceVersion = String(rv);
    this.db.transaction(() => {
      this.statements.remove.run(kind, namespace, name);
      this.statements.setMeta.run('resourceVersion', String(rv));
    })();
    this.objects.delete(k);
    this.emit({ rv, type: 'DELETED', kind, object: deleted });
    return structuredClone(deleted);
  }

  /**
   * Runs `fn`'s writes as one SQLite transaction: a kill -9 keeps all of them or none (a Job
   * without its pod, or an ended pod whose Job never finishes, is what a real cluster never shows).
   */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  countCreate(namespace: string, name: string): void {
    this.statements.countCreate.run(`${namespace}/${name}`);
  }

  creates(): Record<string, number> {
    const rows = this.db.prepare('SELECT key, count FROM creates ORDER BY key').all() as {
      key: string;
      count: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.count]));
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

  private write<T extends KubeObject>(kind: Kind, object: T, type: WatchEventType): T {
    const rv = this.bump();
    object.metadata.resourceVersion = String(rv);
    const namespace = object.metadata.namespace ?? '';
    const body = JSON.stringify(object);
    this.db.transaction(() => {
      this.statements.upsert.run(kind, namespace, object.metadata.name, body);
      this.statements.setMeta.run('resourceVersion', String(rv));
    })();
    const stored = JSON.parse(body) as T;
    this.objects.set(key(kind, namespace, object.metadata.name), stored);
    this.emit({ rv, type, kind, object: stored });
    return structuredClone(stored);
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

/** RFC 3339 with second precision, as Kubernetes writes timestamps. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
