import type { Clock } from "../../clock.js";

const HOUR_MS = 3_600_000;

export interface RateWindow {
  limit: number;
  remaining: number;
  used: number;
  /** Epoch seconds when the window resets. */
  reset: number;
}

/**
 * GitHub's primary rate limit on the sandbox clock: 60 requests an hour per caller without a token, 5,000 with
 * one, reported in x-ratelimit-* headers on every answer.
 */
export class RateLimits {
  private readonly windows = new Map<string, { used: number; resetAt: number }>();

  constructor(private readonly clock: Clock) {}

  /** Counts one request; `ok` false once the window is spent. */
  take(token: string | undefined): RateWindow & { ok: boolean } {
    const now = this.clock.now().getTime();
    const key = token ?? "anonymous";
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { used: 0, resetAt: now + HOUR_MS };
      this.windows.set(key, window);
    }
    const limit = token ? 5000 : 60;
    const ok = window.used < limit;
    if (ok) window.used++;
    return {
      ok,
      limit,
      used: window.used,
      remaining: limit - window.used,
      reset: Math.ceil(window.resetAt / 1000),
    };
  }

  /** Spends (or restores) a caller's window, e.g. to test the rate-limit answer. */
  set(token: string | undefined, remaining: number): void {
    const limit = token ? 5000 : 60;
    const now = this.clock.now().getTime();
    this.windows.set(token ?? "anonymous", { used: Math.max(0, limit - remaining), resetAt: now + HOUR_MS });
  }
}

export function rateHeaders(window: RateWindow): Record<string, string> {
  return {
    "x-ratelimit-limit": String(window.limit),
    "x-ratelimit-remaining": String(window.remaining),
    "x-ratelimit-reset": String(window.reset),
    "x-ratelimit-used": String(window.used),
    "x-ratelimit-resource": "core",
  };
}
