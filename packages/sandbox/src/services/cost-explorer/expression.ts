import { validation } from "./input.js";
import type { LineItem } from "./ledger.js";

export type Predicate = (item: LineItem) => boolean;

const ROOTS = ["And", "Or", "Not", "Dimensions", "Tags", "CostCategories"] as const;
const TAG_MATCH_OPTIONS = new Set(["EQUALS", "ABSENT", "CASE_SENSITIVE"]);

/**
 * Dimensions the sandbox can answer: its spend carries no service, region or usage type, so a filter or group
 * on those fails loudly instead of answering wrongly.
 */
export const MODELLED_DIMENSIONS: Record<string, (item: LineItem) => string> = {
  LINKED_ACCOUNT: (item) => item.account,
  RECORD_TYPE: () => "Usage",
};

const DIMENSIONS = new Set([
  "AZ",
  "INSTANCE_TYPE",
  "LINKED_ACCOUNT",
  "LINKED_ACCOUNT_NAME",
  "OPERATION",
  "PURCHASE_TYPE",
  "REGION",
  "SERVICE",
  "SERVICE_CODE",
  "USAGE_TYPE",
  "USAGE_TYPE_GROUP",
  "RECORD_TYPE",
  "OPERATING_SYSTEM",
  "TENANCY",
  "SCOPE",
  "PLATFORM",
  "SUBSCRIPTION_ID",
  "LEGAL_ENTITY_NAME",
  "DEPLOYMENT_OPTION",
  "DATABASE_ENGINE",
  "CACHE_ENGINE",
  "INSTANCE_TYPE_FAMILY",
  "BILLING_ENTITY",
  "RESERVATION_ID",
  "RESOURCE_ID",
  "RIGHTSIZING_TYPE",
  "SAVINGS_PLANS_TYPE",
  "SAVINGS_PLAN_ARN",
  "PAYMENT_OPTION",
  "INVOICING_ENTITY",
]);

/** Checks a dimension name and returns how to read it from a line item. */
export function dimension(key: unknown): (item: LineItem) => string {
  if (typeof key !== "string" || !DIMENSIONS.has(key)) {
    throw validation(
      `Dimension ${String(key)} is not allowed. Valid dimensions are ${[...DIMENSIONS].join(", ")}`,
    );
  }
  const read = MODELLED_DIMENSIONS[key];
  if (!read) {
    throw validation(
      `The sandbox does not model dimension ${key}; it models ${Object.keys(MODELLED_DIMENSIONS).join(" and ")}.`,
    );
  }
  return read;
}

/** Compiles a Filter expression (WIRE.md §1.4): exactly one root per node; tag values are raw, not `key$`. */
export function compile(expression: unknown): Predicate {
  if (typeof expression !== "object" || expression === null || Array.isArray(expression)) {
    throw validation("Filter expression must be an object.");
  }
  const node = expression as Record<string, unknown>;
  const roots = ROOTS.filter((root) => node[root] !== undefined && node[root] !== null);
  const [root] = roots;
  if (roots.length !== 1 || !root) {
    throw validation(
      `Expression has ${roots.length === 0 ? "zero" : "more than one"} roots. Only one root operator is allowed for each expression: And, Or, Not, Dimensions, Tags, CostCategories`,
    );
  }
  const value = node[root];
  switch (root) {
    case "And":
    case "Or": {
      if (!Array.isArray(value) || value.length < 2) {
        throw validation(`${root} expression must have at least 2 operands`);
      }
      const operands = value.map(compile);
      return root === "And"
        ? (item) => operands.every((operand) => operand(item))
        : (item) => operands.some((operand) => operand(item));
    }
    case "Not": {
      const operand = compile(value);
      return (item) => !operand(item);
    }
    case "Tags":
      return tags(value as Record<string, unknown>);
    case "Dimensions":
      return dimensions(value as Record<string, unknown>);
    default:
      throw validation("The sandbox does not model cost categories.");
  }
}

/**
 * EQUALS matches the listed values ("" stands for no value); ABSENT matches spend without the tag (or without
 * an active one). A key with neither values nor ABSENT matches any value of the key.
 */
function tags({ Key, Values, MatchOptions }: Record<string, unknown>): Predicate {
  if (typeof Key !== "string" || Key === "") throw validation("Tags expression needs a Key.");
  const options = MatchOptions ?? ["EQUALS"];
  if (!Array.isArray(options)) throw validation("MatchOptions must be a list.");
  const unsupported = options.filter((option) => !TAG_MATCH_OPTIONS.has(String(option)));
  if (unsupported.length > 0) {
    throw validation(
      `MatchOptions ${unsupported.join(", ")} are not supported for Tags. Use EQUALS, ABSENT or CASE_SENSITIVE.`,
    );
  }
  const values = strings(Values, "Tags");
  const absent = options.includes("ABSENT");
  return (item) => {
    const value = item.tags[Key];
    if (value === undefined || value === "") return absent || values.includes("");
    return values.length === 0 ? !absent : values.includes(value);
  };
}

function dimensions({ Key, Values, MatchOptions }: Record<string, unknown>): Predicate {
  const read = dimension(Key);
  if (
    MatchOptions !== undefined &&
    !(Array.isArray(MatchOptions) && MatchOptions.every((o) => o === "EQUALS"))
  ) {
    throw validation("The sandbox models only EQUALS for Dimensions.");
  }
  const values = strings(Values, "Dimensions");
  if (values.length === 0) throw validation("Dimensions expression needs Values.");
  return (item) => values.includes(read(item));
}

function strings(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw validation(`${where} Values must be a list of strings.`);
  }
  return value;
}
