import diagnostics from "node:diagnostics_channel";

/**
 * Counts outgoing API calls per service while a run lasts, from Node's own HTTP diagnostics channel: every SDK
 * client (and the Slack client) is counted without wrapping or configuring any of them. The service comes
 * from the SigV4 credential scope (`Credential=AKID/20261127/us-east-1/s3/aws4_request`), which names it
 * whatever the endpoint; Slack is a Bearer call to /api/. Retries count as calls: each one is a request.
 */
export interface CallCounter {
  counts(): Record<string, number>;
  stop(): Record<string, number>;
}

const CHANNEL = "http.client.request.start";
const SCOPE = /Credential=[^/]+\/\d{8}\/[^/]+\/([a-z0-9-]+)\/aws4_request/;

interface RequestLike {
  path?: string;
  getHeader?: (name: string) => unknown;
}

export function serviceOf(request: RequestLike): string {
  const auth = String(request.getHeader?.("authorization") ?? "");
  const scoped = SCOPE.exec(auth)?.[1];
  if (scoped) return scoped;
  // Presigned requests carry the scope in the query string.
  const query = SCOPE.exec(
    decodeURIComponent(`Credential=${(request.path ?? "").split("X-Amz-Credential=")[1] ?? ""}`),
  );
  if (query?.[1]) return query[1];
  if (/^Bearer\s/i.test(auth) && (request.path ?? "").startsWith("/api/")) return "slack";
  return "other";
}

export function countApiCalls(): CallCounter {
  const counts: Record<string, number> = {};
  const listener = (message: unknown) => {
    const service = serviceOf((message as { request?: RequestLike }).request ?? {});
    counts[service] = (counts[service] ?? 0) + 1;
  };
  diagnostics.subscribe(CHANNEL, listener);
  let stopped = false;
  return {
    counts: () => ({ ...counts }),
    stop: () => {
      if (!stopped) diagnostics.unsubscribe(CHANNEL, listener);
      stopped = true;
      return { ...counts };
    },
  };
}
