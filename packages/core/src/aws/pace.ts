import { performance } from "node:perf_hooks";

/**
 * Keeps calls within a quota that the service counts over a sliding second (Tagging GetResources: 15 per
 * second per account and region). Spacing the starts is not enough: a call that reaches the service late (a
 * busy event loop, the network) bunches up with the next ones and is throttled, and a throttled call costs a
 * request and a backoff. So each call waits until a second has passed since the *answer* to the call
 * `perSecond` calls before it: that call surely reached the service before its answer came back. A chain of
 * pages thus makes `perSecond` calls per second plus one round trip.
 */
export class QuotaPacer {
  private readonly answers = new Map<number, Promise<number>>();
  private started = 0;

  constructor(private readonly perSecond: number) {}

  async run<T>(call: () => Promise<T>): Promise<T> {
    const index = this.started++;
    let answered: (at: number) => void = () => undefined;
    this.answers.set(index, new Promise<number>((resolve) => (answered = resolve)));
    const earlier = this.answers.get(index - this.perSecond);
    if (earlier) {
      const wait = (await earlier) + 1000 - Date.now();
      this.answers.delete(index - this.perSecond);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    try {
      return await call();
    } finally {
      answered(Date.now());
    }
  }
}

/** Runs work when its turn comes. */
export type Gate = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * At most this long between two starts however busy the loop (other processes make it look busy too): 250
 * reads a second still read 4,000 state files in 16 s, within the Tagging walk of the same estate.
 */
const MAX_SPACING_MS = 4;

/**
 * A gate opens one more slot each this long, up to its limit: in its first seconds the process runs code that
 * is not yet optimised while every source starts at once, and a full burst of reads then holds up the walk.
 */
const RAMP_MS = 100;

/**
 * Bounds the reads in flight, and spaces their starts so that the event loop stays below `target` busy. Every
 * answer costs CPU (the SDK, parsing); when answers arrive in bursts, the pages of the Tagging walk wait behind
 * them, and the walk, paced by its quota, is the longest chain of the survey: it must keep its pace more than
 * the state reads must finish early. The spacing follows the loop's measured utilization, so on a machine
 * with CPU to spare it falls to nothing and only `limit` bounds the reads.
 */
export function responsiveGate(limit: number, target = 0.75): Gate {
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
    if (window.utilization > target) spacingMs = Math.min(MAX_SPACING_MS, Math.max(0.5, spacingMs * 1.3));
    else if (window.utilization < target - 0.1) spacingMs = spacingMs < 0.5 ? 0 : spacingMs * 0.8;
  };
  const opened = performance.now();
  const allowed = () => Math.min(limit, 2 + Math.floor((performance.now() - opened) / RAMP_MS));
  return async <T>(work: () => Promise<T>): Promise<T> => {
    while (active >= allowed()) await new Promise<void>((resolve) => waiting.push(resolve));
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
      const free = Math.max(1, allowed() - active);
      for (let i = 0; i < free; i++) waiting.shift()?.();
    }
  };
}

/**
 * Runs work one at a time, each a fixed pause after the previous one ended: for large answers that are needed
 * late, so that they never arrive in a burst.
 */
export function spacedGate(pauseMs: number): Gate {
  let previous: Promise<void> = Promise.resolve();
  return async <T>(work: () => Promise<T>): Promise<T> => {
    let done: () => void = () => undefined;
    const turn = previous;
    previous = new Promise<void>((resolve) => {
      done = resolve;
    });
    await turn;
    try {
      return await work();
    } finally {
      setTimeout(done, pauseMs);
    }
  };
}
