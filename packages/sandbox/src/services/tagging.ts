import { randomBytes } from "node:crypto";
import type { TaggedResource } from "../estate/estate.js";
import { derivedCache, type VersionedMap } from "../estate/versioned.js";
import { json, type SandboxRequest, ServiceError } from "../http.js";
import { awsJsonService, type Caller } from "./aws-json.js";
import type { SandboxContext, Service } from "./service.js";

/** moto's default; AWS does not document one. */
export const DEFAULT_RESOURCES_PER_PAGE = 50;
/** "A PaginationToken is valid for a maximum of 15 minutes" (model doc), measured on the sandbox clock. */
export const TOKEN_LIFETIME_MS = 15 * 60_000;

/** Where one paginated GetResources walk stands; the token is only a handle to it, as AWS's are opaque. */
interface Cursor {
  account: string;
  region: string;
  /** The matching ARNs in order, taken at the first page; tags are read live on each page. */
  arns: string[];
  matches: (resource: TaggedResource) => boolean;
  position: number;
  issuedAt: number;
}

type Input = Record<string, unknown>;

/**
 * The Resource Groups Tagging API's GetResources (WIRE.md §2): one caller account and the region of the
 * credential scope (global resources are stored under us-east-1), filters by tag and by resource type, pages
 * in ARN order with opaque tokens that expire, and `"PaginationToken": ""` on the last page.
 */
export function taggingService(ctx: SandboxContext): Service {
  const { estate } = ctx;
  const cursors = new Map<string, Cursor>();
  // Real pages can come back short or empty with a token (boto/boto3#2461); clients must loop on the token.
  let emptyPagesToServe = 0;

  function issue(cursor: Cursor): string {
    const token = randomBytes(48).toString("base64url");
    cursors.set(token, { ...cursor, issuedAt: estate.clock.now().getTime() });
    return token;
  }

  function resume(token: string, caller: Caller): Cursor {
    const cursor = cursors.get(token);
    if (!cursor || cursor.account !== caller.principal.account || cursor.region !== caller.region) {
      throw new ServiceError("PaginationTokenExpiredException", "Token does not exist");
    }
    if (estate.clock.now().getTime() - cursor.issuedAt > TOKEN_LIFETIME_MS) {
      cursors.delete(token);
      throw new ServiceError(
        "PaginationTokenExpiredException",
        "A PaginationToken is valid for a maximum of 15 minutes. Your token has expired.",
      );
    }
    return cursor;
  }

  function getResources(input: Input, caller: Caller) {
    const request = validate(input);
    const resources = estate.accountResources(caller.principal.account);
    const inRegion = (r: TaggedResource) => r.region === caller.region && request.matches(r);
    const mapping = (r: TaggedResource) => ({
      ResourceARN: r.arn,
      Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })),
      ...(request.compliance ? { ComplianceDetails: COMPLIANT } : {}),
    });
    if (request.arnList) {
      const found = [...new Set(request.arnList)]
        .map((arn) => resources.get(arn))
        .filter((r): r is TaggedResource => r !== undefined && inRegion(r))
        .sort(byArn);
      return {
        PaginationToken: "",
        ResourceTagMappingList: request.excludeCompliant ? [] : found.map(mapping),
      };
    }
    const cursor = request.token
      ? resume(request.token, caller)
      : {
          account: caller.principal.account,
          region: caller.region,
          arns: inArnOrder(resources, caller.region)
            .filter(request.matches)
            .map((r) => r.arn),
          matches: request.matches,
          position: 0,
          issuedAt: 0,
        };
    if (emptyPagesToServe > 0 && cursor.position < cursor.arns.length) {
      emptyPagesToServe--;
      return { PaginationToken: issue(cursor), ResourceTagMappingList: [] };
    }
    const end = Math.min(cursor.position + request.perPage, cursor.arns.length);
    // A resource untagged or deleted since the first page is skipped, leaving a short page as AWS does.
    const page = cursor.arns
      .slice(cursor.position, end)
      .map((arn) => resources.get(arn))
      .filter((r): r is TaggedResource => r !== undefined && cursor.matches(r));
    const next = end < cursor.arns.length ? issue({ ...cursor, position: end }) : "";
    return {
      PaginationToken: next,
      ResourceTagMappingList: request.excludeCompliant ? [] : page.map(mapping),
    };
  }

  const service = awsJsonService(ctx, {
    name: "tagging",
    target: "ResourceGroupsTaggingAPI_20170126",
    throttlingCode: "ThrottledException",
    operations: { GetResources: getResources },
    control: {
      "POST /_sandbox/tagging/empty-pages": (req: SandboxRequest) => {
        const count = countIn(req);
        if (!wholeNumber(count, 0, Number.MAX_SAFE_INTEGER)) {
          return json(400, { error: 'send {"count": N}, N a whole number of empty pages to serve' });
        }
        emptyPagesToServe = count;
        return json(200, { emptyPages: count });
      },
    },
    tick: () => {
      const now = estate.clock.now().getTime();
      for (const [token, cursor] of cursors) {
        if (now - cursor.issuedAt > TOKEN_LIFETIME_MS) cursors.delete(token);
      }
    },
  });
  // Tagging models its server error as InternalServiceException (error trait "server").
  return {
    ...service,
    unavailable: () =>
      json(
        500,
        {
          __type: "InternalServiceException",
          message: "The request processing failed because of an unknown error.",
        },
        { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": "InternalServiceException" },
      ),
  };
}

const COMPLIANT = { NoncompliantKeys: [], KeysWithNoncompliantValues: [], ComplianceStatus: true };

const sorted = derivedCache<string, TaggedResource, TaggedResource[]>();

/** An account's resources in one region in ARN order, sorted once per change of the account's resources. */
function inArnOrder(resources: VersionedMap<string, TaggedResource>, region: string): TaggedResource[] {
  return sorted(resources, region, () =>
    [...resources.values()].filter((r) => r.region === region).sort(byArn),
  );
}

function byArn(a: TaggedResource, b: TaggedResource): number {
  return a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0;
}

function invalid(message: string): ServiceError {
  return new ServiceError("InvalidParameterException", message);
}

function validate(input: Input) {
  const token = typeof input.PaginationToken === "string" ? input.PaginationToken : "";
  if (input.ResourceARNList !== undefined) {
    if (input.ResourcesPerPage !== undefined || input.TagsPerPage !== undefined || token !== "") {
      throw invalid(
        "ResourceARNList cannot be combined with the pagination parameters ResourcesPerPage, TagsPerPage or PaginationToken.",
      );
    }
    if (!stringList(input.ResourceARNList, 1, 100)) {
      throw invalid("ResourceARNList must contain between 1 and 100 ARNs.");
    }
  }
  const perPage = input.ResourcesPerPage ?? DEFAULT_RESOURCES_PER_PAGE;
  if (!wholeNumber(perPage, 1, 100)) {
    throw invalid("ResourcesPerPage must be between 1 and 100");
  }
  const tagsPerPage = input.TagsPerPage;
  if (tagsPerPage !== undefined && !wholeNumber(tagsPerPage, 100, 500)) {
    throw invalid("TagsPerPage must be between 100 and 500");
  }
  const compliance = input.IncludeComplianceDetails === true;
  // Without tag policies every resource is compliant, so excluding compliant ones leaves nothing.
  const excludeCompliant = input.ExcludeCompliantResources === true;
  if (excludeCompliant && !compliance) {
    throw invalid("ExcludeCompliantResources can only be used when IncludeComplianceDetails is true.");
  }
  return {
    token,
    perPage,
    compliance,
    excludeCompliant,
    arnList: input.ResourceARNList as string[] | undefined,
    matches: matcher(input.TagFilters, input.ResourceTypeFilters),
  };
}

/** Filters are ANDed, values within one are ORed; a key without values matches any value of that key. */
function matcher(tagFilters: unknown, typeFilters: unknown): (resource: TaggedResource) => boolean {
  const filters = (tagFilters ?? []) as { Key?: unknown; Values?: unknown }[];
  if (!Array.isArray(filters) || filters.length > 50) {
    throw invalid("TagFilters can contain at most 50 filters.");
  }
  for (const filter of filters) {
    if (typeof filter?.Key !== "string" || filter.Key.length < 1 || filter.Key.length > 128) {
      throw invalid("Each TagFilter needs a Key of 1 to 128 characters.");
    }
    if (filter.Values !== undefined && !stringList(filter.Values, 0, 20)) {
      throw invalid("A TagFilter can have at most 20 Values.");
    }
  }
  const types = (typeFilters ?? []) as string[];
  if (!stringList(types, 0, 100) || types.some((t) => t === "")) {
    throw invalid(
      'ResourceTypeFilters must list at most 100 resource types such as "s3" or "lambda:function".',
    );
  }
  const checks = filters.map(({ Key, Values }) => {
    const values = (Values ?? []) as string[];
    return (tags: Record<string, string>) =>
      Object.hasOwn(tags, Key as string) &&
      (values.length === 0 || values.includes(tags[Key as string] ?? ""));
  });
  const typeMatches = (type: string) =>
    types.length === 0 || types.some((filter) => type === filter || type.startsWith(`${filter}:`));
  return (resource) => typeMatches(resource.type) && checks.every((check) => check(resource.tags));
}

function countIn(req: SandboxRequest): unknown {
  try {
    return (JSON.parse(req.body.toString("utf8") || "{}") as { count?: unknown }).count;
  } catch {
    return undefined;
  }
}

function wholeNumber(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function stringList(value: unknown, min: number, max: number): value is string[] {
  return (
    Array.isArray(value) &&
    value.length >= min &&
    value.length <= max &&
    value.every((item) => typeof item === "string")
  );
}
