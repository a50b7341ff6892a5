/** A background loop that never overlaps itself and can be woken early. */
import type { Logger } from '../../shared/base/log.js';

export function every(intervalMs: number, fn: () => Promise<unknown>, log: Logger) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;
  let stopped = false;

  async function run(): Promise<void> {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    if (timer) clearTimeout(timer);
    try {
      await fn();
    } catch (e) {
      log.warn('background task failed; will retry', {
        error: e instanceof Error ? e.message : String(e),
      });
    } finally {
      running = false;
    }
    if (stopped) return;
    if (again) {
      again = false;
      void run();
    } else {
      timer = setTimeout(() => void run(), intervalMs);
    }
  }

  timer = setTimeout(() => void run(), 0);
  return {
    wake: () => void run(),
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
