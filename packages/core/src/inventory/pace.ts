import { performance } from "node:perf_hooks";

/**
 * Spaces calls to a quota that the service counts over a sliding second (Tagging GetResources: 15 per second
 * per account and region). Evenly spaced starts are not enough: a call that reaches the service late (a busy
 * event loop, the network) bunches up with the next ones and is throttled, and a throttled call costs a request
 * and a backoff. So a call also waits until a second has passed since the answer to the call `perSecond` calls
 * before it: that call surely arrived before its answer did. For calls in a chain (pages) this costs one round
 * trip per `perSecond` calls.
 */
export class QuotaPacer {
  private readonly answered: number[] = [];
  private lastStart = Number.NEGATIVE_INFINITY;

  constructor(private readonly perSecond: number) {}

  async run<T>(call: () => Promise<T>): Promise<T> {
    const window = this.answered.length >= this.perSecond ? (this.answered[0] ?? 0) + 1000 : 0;
    const wait = Math.max(this.lastStart + 1000 / this.perSecond, window) - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.lastStart = Date.now();
    try {
      return await call();
    } finally {
      this.answered.push(Date.now());
      if (this.answered.length > this.perSecond) this.answered.shift();
    }
  }
}

/**
 * Bounds the reads in flight, and spaces their starts so that the event loop stays below `target` busy. Every
 * answer costs CPU (the SDK, parsing); when answers arrive in bursts, the pages of the Tagging walk wait behind
 * them, and the walk, paced by its quota, is the longest chain of the survey: it must keep its pace more than
 * the state reads must finish early. The spacing follows the loop's measured utilization, so on a machine
 * with CPU to spare it falls to nothing and only `limit` bounds the reads.
 */
export function responsiveGate(limit: number, target = 0.7): <T>(work: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  let spacingMs = 0;
  let nextStart = 0;
  let sample = performance.eventLoopUtilization();
  const adapt = () => {
    const now = performance.eventLoopUtilization();
    const window = performance.eventLoopUtilization(now, sample);
    if (window.idle + window.active < 100) return;
    sample = now;
    if (window.utilization > target) spacingMs = Math.min(50, Math.max(0.5, spacingMs * 1.3));
    else if (window.utilization < target - 0.1) spacingMs = spacingMs < 0.5 ? 0 : spacingMs * 0.8;
  };
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      adapt();
      const now = performance.now();
      const at = Math.max(now, nextStart);
      nextStart = at + spacingMs;
      if (at - now >= 1) await new Promise((resolve) => setTimeout(resolve, at - now));
      return await work();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
