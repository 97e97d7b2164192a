/**
 * The sandbox's clock. It runs with real time from wherever it was last set, so builds and timeouts progress
 * by themselves, and tests move it by whole days to live through a schedule.
 */
export class Clock {
  private base: number;
  private anchor = Date.now();

  constructor(start: Date | string) {
    this.base = new Date(start).getTime();
    if (Number.isNaN(this.base)) throw new Error(`invalid clock start: ${String(start)}`);
  }

  now(): Date {
    return new Date(this.base + (Date.now() - this.anchor));
  }

  set(to: Date | string): Date {
    const time = new Date(to).getTime();
    if (Number.isNaN(time)) throw new Error(`invalid time: ${String(to)}`);
    this.base = time;
    this.anchor = Date.now();
    return this.now();
  }

  advance(by: string | number): Date {
    const ms = typeof by === "number" ? by : parseDuration(by);
    return this.set(new Date(this.now().getTime() + ms));
  }
}

const DURATION =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** ISO-8601 durations with weeks, days and time parts ("P1D", "PT36H", "P1DT2H30M", "PT0.5S"), in ms. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text);
  if (!match || text === "P" || text.endsWith("T")) {
    throw new Error(`invalid ISO-8601 duration: ${JSON.stringify(text)} (e.g. "P1D" or "PT2H")`);
  }
  const [, weeks, days, hours, minutes, seconds] = match.map((part) => Number(part ?? 0));
  const total =
    ((((weeks ?? 0) * 7 + (days ?? 0)) * 24 + (hours ?? 0)) * 60 + (minutes ?? 0)) * 60 + (seconds ?? 0);
  return Math.round(total * 1000);
}
