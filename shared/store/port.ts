/**
 * The state store port. Every write that changes a record is conditional on the version that was
 * read (`VersionConflictError` otherwise), so concurrent edge instances never lose an update.
 * Drivers: memory, SQLite (Node), DynamoDB. All pass test/contract/store.contract.ts.
 */
import type { Cluster } from '../domain/cluster.js';
import type { Job, JobState } from '../domain/job.js';
import type { MaintenancePlan } from '../domain/maintenance.js';
import type { LogTable } from './log-port.js';

export interface Page<T> {
  items: T[];
  /** Opaque; pass back as `cursor` for the next page. Absent on the last page. */
  nextCursor?: string;
}

export interface JobQuery {
  tenantId: string;
  project?: string;
  state?: JobState;
  /** 1..500 */
  limit: number;
  cursor?: string;
}

/** What a job read returns beside the job's own fields (see `JobTable.get`). */
export interface JobRead {
  /** False: the decision may be left out. Default true. */
  decision?: boolean;
}

/** The lean read: everything but the decision. */
export const WITHOUT_DECISION: JobRead = Object.freeze({ decision: false });

export interface JobTable {
  /**
   * Stores a new job. `AlreadyExistsError` if the id exists. `usage` changes usage counters in the
   * same atomic write, exactly as in `update` (`QuotaExceededError` naming the counter, and then
   * nothing is stored); so are `deliveries`, as in `update`.
   */
  create(job: Job, usage?: readonly UsageDelta[], deliveries?: readonly Delivery[]): Promise<void>;
  /**
   * The job, with its decision. `{ decision: false }` is the lean read of the paths that never show
   * the decision (a drainer's claim, its status reports, log appends): the store may leave
   * `decision` out (a placed job's decision explains every candidate cluster, tens of KB with a
   * hundred clusters, and is most of the job's bytes). A job so read and written back by `update`
   * keeps its stored decision (below). Memory and SQLite leave it out (SQLite keeps it in a column
   * of its own); DynamoDB returns it (it is part of the job's item).
   */
  get(id: string, read?: JobRead): Promise<Job | undefined>;
  /**
   * Writes `job` if the stored version equals `job.version`; stores and returns it with
   * `version + 1`. `VersionConflictError` otherwise (or if the job does not exist). A lean read's
   * copy, written back without `decision`, keeps the decision stored with it; a job with one
   * replaces it. Nothing removes a decision.
   *
   * `usage` changes usage counters in the same atomic write (a transaction where the store has
   * one): either the job and every counter change, or nothing does. A delta whose counter would end
   * above its `max` fails the whole write with `QuotaExceededError` naming that counter. Counters
   * start at 0 and never go below 0 (a negative delta past 0 leaves 0).
   *
   * `deliveries` (status webhooks for the states the write enters) are stored in the same atomic
   * write — the job's outbox: either the job changes and its deliveries exist, or neither. A
   * delivery whose id exists is replaced.
   */
  update(job: Job, usage?: readonly UsageDelta[], deliveries?: readonly Delivery[]): Promise<Job>;
  /** A tenant's jobs, newest first (by `createdAt`, then id). */
  list(query: JobQuery): Promise<Page<Job>>;
  /** Jobs in any of the given states across tenants, oldest first; for sweepers and admission. */
  listByState(states: readonly JobState[], limit: number): Promise<Job[]>;
  /**
   * How many jobs are in each of the given states, across tenants (`/metrics`), without reading
   * the jobs: an index count where the store has one. Every asked state is a key (0 when none).
   */
  countByState(states: readonly JobState[]): Promise<Record<string, number>>;
  /**
   * Jobs in `state` last written before `updatedBefore` (ISO), least recently written first: what a
   * due-time sweep (redispatch) takes, so its cost follows what is due, not the whole backlog.
   */
  listStale(state: JobState, updatedBefore: string, limit: number): Promise<Job[]>;
}

/** A change to a usage counter (e.g. GPUs in use by a tenant), applied with a job write. */
export interface UsageDelta {
  /** e.g. `tenant:acme:nvidia-a100`, `cluster:aws-us-east-1:nvidia-a100`. */
  key: string;
  delta: number;
  /** The write fails if the counter would end above this. */
  max?: number;
}

export interface UsageTable {
  /** Current values; a counter never written is 0. */
  get(keys: readonly string[]): Promise<Record<string, number>>;
  /** Every counter whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<Record<string, number>>;
}

export interface ClusterTable {
  /** Creates or replaces unconditionally (configuration load). Returns the stored record. */
  put(cluster: Cluster): Promise<Cluster>;
  get(id: string): Promise<Cluster | undefined>;
  /** Sorted by id. */
  list(): Promise<Cluster[]>;
  /** Conditional on `cluster.version`, like `JobTable.update`. */
  update(cluster: Cluster): Promise<Cluster>;
}

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

export interface TenantTable {
  /** `AlreadyExistsError` if it exists. */
  create(tenant: Tenant): Promise<void>;
  get(id: string): Promise<Tenant | undefined>;
}

/** A record of an issued API token; the token itself is never stored. */
export interface TokenRecord {
  id: string;
  tenantId: string;
  scopes: string[];
  /** Project names, or `*` for all. */
  projects: string[];
  description: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  /** The token that minted this one (absent for bootstrap and operator tokens). */
  mintedBy?: string;
}

export interface TokenTable {
  create(token: TokenRecord): Promise<void>;
  get(id: string): Promise<TokenRecord | undefined>;
  listByTenant(tenantId: string): Promise<TokenRecord[]>;
  /** Conditional on nothing: revocation always wins. */
  put(token: TokenRecord): Promise<void>;
}

export interface IdempotencyRecord {
  tenantId: string;
  key: string;
  /** Hash of the request body; the same key with another body is refused. */
  fingerprint: string;
  state: 'in-flight' | 'done';
  jobId?: string;
  createdAt: string;
  expiresAt: string;
}

export interface IdempotencyTable {
  /**
   * Claims (tenantId, key) atomically. Returns `undefined` when this caller now holds it, or the
   * existing unexpired record (`expiresAt > now`) when someone else does. An expired record is
   * replaced.
   */
  claim(record: IdempotencyRecord, now: string): Promise<IdempotencyRecord | undefined>;
  /** Marks a claim done with the job it produced. */
  complete(tenantId: string, key: string, jobId: string): Promise<void>;
  /** Drops a claim whose request failed, so the client may retry. */
  release(tenantId: string, key: string): Promise<void>;
}

/** An outbound status webhook, kept until delivered or given up. */
export interface Delivery {
  id: string;
  jobId: string;
  tenantId: string;
  url: string;
  /** Standard Webhooks event type, e.g. `job.running`. */
  eventType: string;
  /** The exact JSON body that is signed and sent. */
  payload: string;
  /** The job's W3C trace id: sent as `traceparent` and logged (absent before traces). */
  traceId?: string;
  state: 'pending' | 'delivered' | 'dead';
  attempts: number;
  nextAttemptAt: string;
  lastStatus?: number;
  lastError?: string;
  /** When the latest attempt was claimed (sent, or about to be). */
  lastAttemptAt?: string;
  /** When a dead letter was last put back to pending by a redrive (`webhooks/redrive.ts`). */
  redrivenAt?: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface DeliveryTable {
  create(delivery: Delivery): Promise<void>;
  /** Conditional on `delivery.version`; returns the stored record. */
  update(delivery: Delivery): Promise<Delivery>;
  /** Pending deliveries with `nextAttemptAt <= now`, earliest first. */
  listDue(now: string, limit: number): Promise<Delivery[]>;
  /** A job's deliveries in creation order. */
  listByJob(jobId: string): Promise<Delivery[]>;
}

/** A cron schedule that submits a job from a template at every slot. */
export interface Schedule {
  id: string;
  tenantId: string;
  name: string;
  /** Five-field cron expression. */
  cron: string;
  /** IANA time zone the expression is read in. */
  timezone: string;
  /** A job submission body. */
  template: Record<string, unknown>;
  concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace';
  /** How many missed slots to fire when catching up. */
  maxCatchUp: number;
  suspended: boolean;
  /** The next slot to fire; due when `<= now` and not suspended. */
  nextFireAt: string;
  lastFiredSlot?: string;
  /** The latest slots handled, newest first (at most five): the job each submitted, or skipped. */
  recentRuns?: ScheduleRun[];
  /** Jobs started by the schedule that may still be active (for Forbid/Replace). */
  activeJobIds: string[];
  /** When the template (and so any callback secret in it) was last set; absent: `createdAt`. */
  templateSetAt?: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface ScheduleRun {
  slot: string;
  /** The job the slot submitted; `null` when the concurrency policy skipped it. */
  jobId: string | null;
}

export interface ScheduleTable {
  /** `AlreadyExistsError` if the id exists. */
  create(schedule: Schedule): Promise<void>;
  get(id: string): Promise<Schedule | undefined>;
  /** Conditional on `schedule.version`, like `JobTable.update`. */
  update(schedule: Schedule): Promise<Schedule>;
  /** Resolves `false` if it did not exist. */
  delete(id: string): Promise<boolean>;
  /** A tenant's schedules sorted by id. */
  listByTenant(tenantId: string): Promise<Schedule[]>;
  /** Not suspended, `nextFireAt <= now`, earliest first. */
  listDue(now: string, limit: number): Promise<Schedule[]>;
}

/** An inbound webhook endpoint that turns signed payloads into job submissions. */
export interface Hook {
  id: string;
  tenantId: string;
  project: string;
  description: string;
  scheme: 'standard-webhooks' | 'github';
  /** Verification secrets; more than one during rotation. */
  secrets: string[];
  /** A job submission body whose string fields may hold `{{payload.path}}` placeholders. */
  template: Record<string, unknown>;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface HookTable {
  create(hook: Hook): Promise<void>;
  get(id: string): Promise<Hook | undefined>;
  /** Conditional on `hook.version`. */
  update(hook: Hook): Promise<Hook>;
  delete(id: string): Promise<boolean>;
  /** Sorted by id. */
  listByTenant(tenantId: string): Promise<Hook[]>;
}

/**
 * One-time claims with an expiry: a schedule slot fired, a webhook id seen. `claim` is atomic:
 * exactly one of many concurrent callers gets `true` for a key until it expires.
 */
export interface ClaimTable {
  /** True if this caller now holds `key` (absent, or its earlier claim expired by `now`). */
  claim(key: string, expiresAt: string, now: string): Promise<boolean>;
}

/** Small named values (signing keys, install facts). */
export interface SettingsTable {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores only if absent; returns whether it stored. */
  putIfAbsent(key: string, value: unknown): Promise<boolean>;
  put(key: string, value: unknown): Promise<void>;
  /**
   * Stores `value` only if the setting still holds `expected` (a value `get` returned, compared
   * as JSON); returns whether it stored. A read-modify-write that loses a race retries from a
   * fresh read instead of overwriting the winner.
   */
  replace(key: string, expected: unknown, value: unknown): Promise<boolean>;
}

/** Rolling maintenance plans (fleet-wide, not owned by a tenant). */
export interface MaintenancePlanTable {
  /** `AlreadyExistsError` if the id exists. */
  create(plan: MaintenancePlan): Promise<void>;
  get(id: string): Promise<MaintenancePlan | undefined>;
  /** Conditional on `plan.version`, like `JobTable.update`. */
  update(plan: MaintenancePlan): Promise<MaintenancePlan>;
  /** Every plan, sorted by id. */
  list(): Promise<MaintenancePlan[]>;
}

export interface StateStore {
  readonly driver: string;
  readonly jobs: JobTable;
  readonly clusters: ClusterTable;
  readonly tenants: TenantTable;
  readonly tokens: TokenTable;
  readonly idempotency: IdempotencyTable;
  readonly deliveries: DeliveryTable;
  readonly settings: SettingsTable;
  readonly usage: UsageTable;
  readonly schedules: ScheduleTable;
  readonly hooks: HookTable;
  readonly claims: ClaimTable;
  readonly logs: LogTable;
  readonly maintenance: MaintenancePlanTable;
  close(): Promise<void>;
}
