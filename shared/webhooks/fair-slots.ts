/**
 * Fair slots for outbound webhook work: at most `total` jobs at once, at most `perHost` to one
 * destination (`host:port`) and `perTenant` for one tenant. Waiting work starts in round-robin
 * order of tenants (the tenant served longest ago first), so a tenant whose receiver never answers
 * holds only its own slots and everyone else's webhooks keep flowing. In memory, per instance.
 */

export interface SlotLimits {
  total: number;
  perHost: number;
  perTenant: number;
}

export interface SlotWork {
  /** One piece of work per key at a time (a job id: its deliveries are sequential). */
  key: string;
  tenant: string;
  host: string;
  run: () => Promise<void>;
}

export interface FairSlots {
  /** Whether work under `key` is waiting or running here. */
  busy(key: string): boolean;
  /** Runs `work` when a slot is free; resolves when it has run (at once if `key` is busy). */
  submit(work: SlotWork): Promise<void>;
  /** Resolves when nothing is waiting or running. */
  idle(): Promise<void>;
}

interface Waiting extends SlotWork {
  done: () => void;
}

export function createFairSlots(limits: SlotLimits): FairSlots {
  const keys = new Set<string>();
  const waiting: Waiting[] = [];
  const hostLoad = new Map<string, number>();
  const tenantLoad = new Map<string, number>();
  /** When each tenant last got a slot: the lowest goes first. */
  const served = new Map<string, number>();
  let running = 0;
  let turn = 0;
  let idlers: Array<() => void> = [];

  const fits = (w: SlotWork) =>
    (hostLoad.get(w.host) ?? 0) < limits.perHost &&
    (tenantLoad.get(w.tenant) ?? 0) < limits.perTenant;
  const bump = (m: Map<string, number>, k: string, by: number) => {
    const n = (m.get(k) ?? 0) + by;
    if (n > 0) m.set(k, n);
    else m.delete(k);
  };

  function start(w: Waiting): void {
    running++;
    bump(hostLoad, w.host, 1);
    bump(tenantLoad, w.tenant, 1);
    served.set(w.tenant, turn++);
    void w
      .run()
      .catch(() => {}) // callers catch their own errors; a slot must be freed regardless
      .finally(() => {
        running--;
        bump(hostLoad, w.host, -1);
        bump(tenantLoad, w.tenant, -1);
        if (!tenantLoad.has(w.tenant) && !waiting.some((x) => x.tenant === w.tenant)) {
          served.delete(w.tenant);
        }
        keys.delete(w.key);
        w.done();
        pump();
      });
  }

  function pump(): void {
    while (running < limits.total) {
      let best = -1;
      for (let i = 0; i < waiting.length; i++) {
        const w = waiting[i]!;
        if (!fits(w)) continue;
        const rank = served.get(w.tenant) ?? -1;
        if (best < 0 || rank < (served.get(waiting[best]!.tenant) ?? -1)) best = i;
      }
      if (best < 0) break;
      start(waiting.splice(best, 1)[0]!);
    }
    if (running === 0 && waiting.length === 0) {
      const wake = idlers;
      idlers = [];
      for (const fn of wake) fn();
    }
  }

  return {
    busy: (key) => keys.has(key),
    submit(work) {
      if (keys.has(work.key)) return Promise.resolve();
      keys.add(work.key);
      return new Promise<void>((done) => {
        waiting.push({ ...work, done });
        pump();
      });
    },
    idle() {
      if (running === 0 && waiting.length === 0) return Promise.resolve();
      return new Promise<void>((wake) => idlers.push(wake));
    },
  };
}
