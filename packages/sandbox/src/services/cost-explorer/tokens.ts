import { createHash, createHmac, randomBytes } from "node:crypto";
import { ServiceError } from "../../http.js";

/**
 * Cost Explorer's page tokens carry where the walk stands and a hash of the request they belong to, sealed so
 * that a token cannot be forged or edited: a garbage token is InvalidNextTokenException, a token sent with
 * other parameters is RequestChangedException (for the operations that model it).
 */
const SECRET = randomBytes(32);

interface Position {
  offset: number;
  request: string;
}

export function requestHash(
  operation: string,
  account: string,
  input: Record<string, unknown>,
  tokenField: string,
) {
  const { [tokenField]: _token, ...parameters } = input;
  return createHash("sha256")
    .update(`${operation}\n${account}\n${canonical(parameters)}`)
    .digest("base64url")
    .slice(0, 22);
}

export function seal(position: Position): string {
  const payload = Buffer.from(JSON.stringify([position.offset, position.request])).toString("base64url");
  return `${payload}.${mac(payload)}`;
}

/** The position a token holds (0 without one), checked against the request it is sent with. */
export function offsetOf(token: unknown, request: string, requestChanged: boolean): number {
  if (token === undefined || token === null || token === "") return 0;
  const invalid = () =>
    new ServiceError(
      "InvalidNextTokenException",
      "The pagination token is invalid. Try again without a pagination token.",
    );
  if (typeof token !== "string") throw invalid();
  const [payload = "", signature] = token.split(".");
  if (!signature || signature !== mac(payload)) throw invalid();
  const [offset, hash] = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as [number, string];
  if (hash !== request) {
    if (!requestChanged) throw invalid();
    throw new ServiceError(
      "RequestChangedException",
      "Your request parameters changed between pages. Try again with the old parameters or without a pagination token.",
    );
  }
  return offset;
}

function mac(payload: string): string {
  return createHmac("sha256", SECRET).update(payload).digest("base64url").slice(0, 22);
}

/** JSON with sorted keys, so the same parameters hash alike whatever order they were sent in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
