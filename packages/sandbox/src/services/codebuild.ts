import { json } from "../http.js";
import type { SandboxContext, Service } from "./service.js";

// Placeholder until this service is written.
export function codebuildService(_ctx: SandboxContext): Service {
  const na = () => json(501, { error: "not implemented" });
  return {
    name: "codebuild",
    claims: () => false,
    operation: () => "",
    handle: na,
    throttled: na,
    unavailable: na,
  };
}
