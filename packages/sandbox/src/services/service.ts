import type { Estate } from "../estate/estate.js";
import type { Faults } from "../faults.js";
import type { SandboxRequest, SandboxResponse } from "../http.js";

/** What every service of the sandbox shares. */
export interface SandboxContext {
  estate: Estate;
  faults: Faults;
  /** The sandbox's own base URL, e.g. for presigned URLs and response_url. */
  url: () => string;
}

/**
 * One emulated API. The server finds the service for a request, asks it which operation the request is (for
 * counters and fault injection), then lets it answer. Faults answer with the service's own error shapes.
 */
export interface Service {
  name: string;
  /** awsJson services: the X-Amz-Target prefix, e.g. "AWSInsightsIndexService". */
  target?: string;
  /** Other services claim requests themselves (STS by its Action field, Slack by its path, ...). */
  claims?(req: SandboxRequest): boolean;
  operation(req: SandboxRequest): string;
  handle(req: SandboxRequest, operation: string): Promise<SandboxResponse> | SandboxResponse;
  /** The service's real throttling error and a server error, for fault injection and rate limits. */
  throttled(operation: string): SandboxResponse;
  unavailable(operation: string): SandboxResponse;
  /** Inspection and driver routes under /_sandbox/, e.g. "GET /_sandbox/builds". */
  control?: Record<string, (req: SandboxRequest) => Promise<SandboxResponse> | SandboxResponse>;
  /** Called about four times a second, e.g. to move builds along and deliver messages. */
  tick?(): void | Promise<void>;
}
