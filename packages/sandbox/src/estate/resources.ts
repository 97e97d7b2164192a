import { createHash } from "node:crypto";

/** How a Pulumi resource type shows up in the Tagging API; IAM is never returned by GetResources. */
interface ResourceKind {
  type: string;
  tagging?: string;
  global?: boolean;
  arn: (p: { account: string; region: string; physical: string }) => string;
}

const KINDS: ResourceKind[] = [
  {
    type: "aws:lambda/function:Function",
    tagging: "lambda:function",
    arn: (p) => `arn:aws:lambda:${p.region}:${p.account}:function:${p.physical}`,
  },
  { type: "aws:iam/role:Role", arn: (p) => `arn:aws:iam::${p.account}:role/${p.physical}` },
  {
    type: "aws:cloudwatch/logGroup:LogGroup",
    tagging: "logs:log-group",
    arn: (p) => `arn:aws:logs:${p.region}:${p.account}:log-group:/aws/lambda/${p.physical}`,
  },
  { type: "aws:s3/bucketV2:BucketV2", tagging: "s3", arn: (p) => `arn:aws:s3:::${p.physical.toLowerCase()}` },
  {
    type: "aws:dynamodb/table:Table",
    tagging: "dynamodb:table",
    arn: (p) => `arn:aws:dynamodb:${p.region}:${p.account}:table/${p.physical}`,
  },
  {
    type: "aws:apigatewayv2/api:Api",
    tagging: "apigateway:apis",
    arn: (p) => `arn:aws:apigateway:${p.region}::/apis/${shortHash(p.physical)}`,
  },
  {
    type: "aws:sqs/queue:Queue",
    tagging: "sqs",
    arn: (p) => `arn:aws:sqs:${p.region}:${p.account}:${p.physical}`,
  },
  {
    type: "aws:cloudfront/distribution:Distribution",
    tagging: "cloudfront:distribution",
    global: true,
    arn: (p) => `arn:aws:cloudfront::${p.account}:distribution/E${shortHash(p.physical).toUpperCase()}`,
  },
];

/** The mix a seed's resource count expands to, in order. */
export const TYPICAL_TYPES = KINDS.map((kind) => kind.type);

export interface PlacedResource {
  type: string;
  name: string;
  retain: boolean;
  id: string;
  arn: string;
  /** Where the Tagging API sees it, if it does. */
  tagging?: { type: string; region: string };
}

export function placeResource(
  spec: { type: string; name: string; retain: boolean },
  at: { account: string; region: string; app: string; stage: string },
): PlacedResource {
  const kind = KINDS.find((k) => k.type === spec.type);
  const physical = `${at.app}-${at.stage}-${spec.name}-${nameHash(`${at.account}/${at.region}/${spec.name}`)}`;
  const arn = kind
    ? kind.arn({ account: at.account, region: at.region, physical })
    : `arn:aws:sandbox:${at.region}:${at.account}:${spec.type.replace(/[^A-Za-z0-9]+/g, "-")}/${physical}`;
  // An object literal, not spreads: a large estate places 100,000 of these.
  const placed: PlacedResource = { type: spec.type, name: spec.name, retain: spec.retain, id: physical, arn };
  if (kind?.tagging) placed.tagging = { type: kind.tagging, region: kind.global ? "us-east-1" : at.region };
  return placed;
}

// Resource names repeat across stages (every stage has its `Resource0`): hashing each name once keeps a
// 100,000-resource estate quick to render.
const nameHashes = new Map<string, string>();
function nameHash(text: string): string {
  let hash = nameHashes.get(text);
  if (hash === undefined) {
    hash = shortHash(text);
    if (nameHashes.size >= 50_000) nameHashes.clear();
    nameHashes.set(text, hash);
  }
  return hash;
}

export function shortHash(text: string, length = 8): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}
