import { type ParseArgsConfig, parseArgs } from "node:util";

/** A mistake in how a command was called: exit code 2 with the message. */
export class UsageError extends Error {}

export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** `--now`: an ISO-8601 time to decide at, instead of the current time. */
export function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const now = new Date(value);
  if (Number.isNaN(now.getTime()))
    throw new UsageError(`--now ${JSON.stringify(value)} is not an ISO-8601 time`);
  return now;
}

export function parseCount(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(value)}`);
  return n;
}
