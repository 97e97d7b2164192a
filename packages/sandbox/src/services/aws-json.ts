import type { Principal } from "../estate/estate.js";
import { json, type SandboxRequest, type SandboxResponse, ServiceError } from "../http.js";
import type { SandboxContext, Service } from "./service.js";

type Operation = (input: Record<string, unknown>, caller: Caller) => unknown | Promise<unknown>;

export interface Caller {
  principal: Principal;
  region: string;
}

/**
 * The awsJson1_0/1_1 protocol (WIRE.md §0): POST / with X-Amz-Target, JSON in and out, errors as
 * `{"__type", "message"}` with the x-amzn-ErrorType header, timestamps as epoch seconds (the caller's job).
 */
export function awsJsonService(
  ctx: SandboxContext,
  spec: {
    name: string;
    target: string;
    contentType?: string;
    throttlingCode: string;
    operations: Record<string, Operation>;
    control?: Service["control"];
    tick?: Service["tick"];
  },
): Service {
  const contentType = spec.contentType ?? "application/x-amz-json-1.1";
  const error = (code: string, message: string, status = 400): SandboxResponse =>
    json(status, { __type: code, message }, { "content-type": contentType, "x-amzn-errortype": code });
  return {
    name: spec.name,
    target: spec.target,
    operation: (req) => String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "",
    throttled: () => error(spec.throttlingCode, "Rate exceeded"),
    unavailable: () =>
      error("InternalFailure", "The request processing has failed because of an unknown error.", 500),
    ...(spec.control ? { control: spec.control } : {}),
    ...(spec.tick ? { tick: spec.tick } : {}),
    async handle(req: SandboxRequest, operation: string) {
      const run = spec.operations[operation];
      if (!run) return error("UnknownOperationException", `Unknown operation ${operation}`);
      const principal = ctx.estate.principal(req.credential?.accessKeyId);
      if (!principal) {
        return error("UnrecognizedClientException", "The security token included in the request is invalid.");
      }
      let input: Record<string, unknown>;
      try {
        input = req.body.length ? JSON.parse(req.body.toString("utf8")) : {};
      } catch {
        return error("SerializationException", "Start of structure or map found where not expected.");
      }
      try {
        const output = await run(input, { principal, region: req.credential?.region ?? "us-east-1" });
        return json(200, output ?? {}, {
          "content-type": contentType,
          "x-amzn-requestid": crypto.randomUUID(),
        });
      } catch (e) {
        if (e instanceof ServiceError) return error(e.code, e.message, e.status);
        throw e;
      }
    },
  };
}

/** Epoch seconds, as awsJson sends timestamps. */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
