import { ServiceError } from "../../http.js";
import type { EnvVar } from "./builds.js";

const ENV_TYPES = ["PLAINTEXT", "PARAMETER_STORE", "SECRETS_MANAGER"];

export function checkRange(input: Record<string, unknown>, field: string, min: number, max: number): void {
  const value = input[field];
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ServiceError(
      "InvalidInputException",
      `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must have value between ${min} and ${max}`,
    );
  }
}

export function environmentOverride(value: unknown): EnvVar[] {
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw new ServiceError("InvalidInputException", "environmentVariablesOverride must be a list");
  return value.map((v: { name?: unknown; value?: unknown; type?: unknown }) => {
    const type = v.type ?? "PLAINTEXT";
    if (
      typeof v.name !== "string" ||
      !v.name ||
      typeof v.value !== "string" ||
      !ENV_TYPES.includes(String(type))
    ) {
      throw new ServiceError("InvalidInputException", `Invalid environment variable ${JSON.stringify(v)}`);
    }
    return { name: v.name, value: v.value, type: String(type) };
  });
}

/** The caller as CodeBuild names it: the user name, or "role/session" for an assumed role. */
export function initiator(arn: string): string {
  const resource = arn.split(":").slice(5).join(":");
  if (resource.startsWith("assumed-role/")) return resource.slice("assumed-role/".length);
  return resource.split("/").at(-1) ?? resource;
}

/** JSON with sorted keys, so that the same parameters compare equal whatever their order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function encodeToken(after: string, order: string): string {
  return Buffer.from(JSON.stringify({ after, order })).toString("base64url");
}

export function decodeToken(token: unknown, order: string): string {
  try {
    const decoded = JSON.parse(Buffer.from(String(token), "base64url").toString("utf8")) as {
      after?: unknown;
      order?: unknown;
    };
    if (typeof decoded.after === "string" && decoded.order === order) return decoded.after;
  } catch {}
  throw new ServiceError("InvalidInputException", "Invalid next token");
}
