import { createHash, randomBytes } from "node:crypto";
import type { Principal } from "../estate/estate.js";
import { escapeXml, header, type SandboxRequest, type SandboxResponse, ServiceError, xml } from "../http.js";
import type { SandboxContext, Service } from "./service.js";

const VERSION = "2011-06-15";
const NAMESPACE = `https://sts.amazonaws.com/doc/${VERSION}/`;
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]*$/;

/**
 * STS over the awsQuery protocol (WIRE.md §5.2): form-encoded `POST /`, XML answers. AssumeRole issues
 * credentials that the estate then honours in the role's account for every service until they expire.
 */
export function stsService(ctx: SandboxContext): Service {
  const { estate } = ctx;

  function getCallerIdentity(principal: Principal): string {
    return [
      element("Arn", principal.arn),
      element("UserId", userId(principal.arn)),
      element("Account", principal.account),
    ].join("");
  }

  function assumeRole(caller: Principal, form: URLSearchParams): string {
    const roleArn = form.get("RoleArn");
    const sessionName = form.get("RoleSessionName");
    const durationText = form.get("DurationSeconds");
    const duration = durationText === null ? 3600 : Number(durationText);
    const problems = [
      ...constrain("roleArn", roleArn, { length: [20, 2048] }),
      ...constrain("roleSessionName", sessionName, { length: [2, 64], pattern: SESSION_NAME }),
      ...(durationText === null ? [] : constrainNumber("durationSeconds", durationText, 900, 43200)),
      ...(form.has("ExternalId")
        ? constrain("externalId", form.get("ExternalId"), { length: [2, 1224] })
        : []),
    ];
    if (problems.length) {
      const count = problems.length === 1 ? "1 validation error" : `${problems.length} validation errors`;
      throw new ServiceError("ValidationError", `${count} detected: ${problems.join("; ")}`);
    }
    const match = ROLE_ARN.exec(roleArn ?? "");
    const [, account = "", roleName = ""] = match ?? [];
    if (!match) throw new ServiceError("ValidationError", `${roleArn} is not a valid role ARN`);
    if (!estate.accounts.get(account)?.roles.includes(roleName)) {
      throw new ServiceError(
        "AccessDenied",
        `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        403,
      );
    }
    if (caller.arn.includes(":assumed-role/") && duration > 3600) {
      throw new ServiceError(
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
      );
    }
    const accessKeyId = `ASIA${randomBase32(16)}`;
    const secretAccessKey = randomBytes(30).toString("base64");
    const expiresAt = new Date(Math.floor(estate.clock.now().getTime() / 1000) * 1000 + duration * 1000);
    const arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
    estate.credentials.set(accessKeyId, { account, arn, secretAccessKey, expiresAt });
    return [
      "<Credentials>",
      element("AccessKeyId", accessKeyId),
      element("SecretAccessKey", secretAccessKey),
      element("SessionToken", `FwoGZXIvYXdzE${randomBytes(264).toString("base64")}`),
      element("Expiration", expiresAt.toISOString().replace(".000Z", "Z")),
      "</Credentials>",
      "<AssumedRoleUser>",
      element("AssumedRoleId", userId(arn)),
      element("Arn", arn),
      "</AssumedRoleUser>",
    ].join("");
  }

  return {
    name: "sts",
    claims: (req) => req.method === "POST" && req.path === "/" && isStsForm(form(req)),
    operation: (req) => form(req).get("Action") ?? "",
    throttled: () => failure(new ServiceError("Throttling", "Rate exceeded")),
    unavailable: () =>
      failure(
        new ServiceError("InternalFailure", "An internal error has occurred. Try your request again.", 500),
      ),
    handle(req, operation) {
      try {
        const principal = authenticate(req);
        const body = form(req);
        if (body.get("Version") !== VERSION || !["GetCallerIdentity", "AssumeRole"].includes(operation)) {
          throw new ServiceError(
            "InvalidAction",
            `Could not find operation ${operation} for version ${body.get("Version") ?? "NO_VERSION_SPECIFIED"}`,
          );
        }
        const result =
          operation === "AssumeRole" ? assumeRole(principal, body) : getCallerIdentity(principal);
        return xml(
          200,
          `<${operation}Response xmlns="${NAMESPACE}"><${operation}Result>${result}</${operation}Result>` +
            `<ResponseMetadata>${element("RequestId", crypto.randomUUID())}</ResponseMetadata></${operation}Response>`,
          { "content-type": "text/xml" },
        );
      } catch (error) {
        if (error instanceof ServiceError) return failure(error);
        throw error;
      }
    },
  };

  function authenticate(req: SandboxRequest): Principal {
    const accessKeyId = req.credential?.accessKeyId;
    if (!accessKeyId) {
      throw new ServiceError("MissingAuthenticationToken", "Request is missing Authentication Token", 403);
    }
    if (!estate.credentials.has(accessKeyId)) {
      throw new ServiceError(
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        403,
      );
    }
    const principal = estate.principal(accessKeyId);
    if (!principal) {
      throw new ServiceError("ExpiredToken", "The security token included in the request is expired", 403);
    }
    return principal;
  }
}

function form(req: SandboxRequest): URLSearchParams {
  const type = header(req, "content-type") ?? "";
  return type.includes("x-www-form-urlencoded")
    ? new URLSearchParams(req.body.toString("utf8"))
    : new URLSearchParams();
}

/** STS's own actions, or any query-protocol call that names STS's API version. */
function isStsForm(body: URLSearchParams): boolean {
  const action = body.get("Action");
  return (
    action === "GetCallerIdentity" || action === "AssumeRole" || (!!action && body.get("Version") === VERSION)
  );
}

function failure(error: ServiceError): SandboxResponse {
  const type = error.status >= 500 ? "Receiver" : "Sender";
  return xml(
    error.status,
    `<ErrorResponse xmlns="${NAMESPACE}"><Error>${element("Type", type)}${element("Code", error.code)}` +
      `${element("Message", error.message)}</Error>${element("RequestId", crypto.randomUUID())}</ErrorResponse>`,
    { "content-type": "text/xml" },
  );
}

function element(name: string, value: string): string {
  return `<${name}>${escapeXml(value)}</${name}>`;
}

/** The validation messages AWS's request validation writes, e.g. "Value 'x' at 'roleSessionName' failed...". */
function constrain(
  member: string,
  value: string | null,
  rule: { length: [number, number]; pattern?: RegExp },
): string[] {
  if (value === null)
    return [`Value null at '${member}' failed to satisfy constraint: Member must not be null`];
  const at = `Value '${value}' at '${member}' failed to satisfy constraint: Member must`;
  const [min, max] = rule.length;
  if (value.length < min) return [`${at} have length greater than or equal to ${min}`];
  if (value.length > max) return [`${at} have length less than or equal to ${max}`];
  if (rule.pattern && !rule.pattern.test(value)) {
    return [`${at} satisfy regular expression pattern: ${rule.pattern.source.slice(1, -1)}`];
  }
  return [];
}

function constrainNumber(member: string, text: string, min: number, max: number): string[] {
  const value = Number(text);
  const at = `Value '${text}' at '${member}' failed to satisfy constraint: Member must`;
  if (!/^-?\d+$/.test(text)) return [`${at} be a whole number`];
  if (value < min) return [`${at} have value greater than or equal to ${min}`];
  if (value > max) return [`${at} have value less than or equal to ${max}`];
  return [];
}

/** AIDA… for users; AROA…:<session> for an assumed role, the same id that AssumeRole's AssumedRoleId gave. */
function userId(arn: string): string {
  const assumed = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  if (assumed) return `AROA${stableBase32(`${assumed[1]}/${assumed[2]}`)}:${assumed[3]}`;
  return `AIDA${stableBase32(arn)}`;
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function stableBase32(text: string): string {
  const digest = createHash("sha256").update(text).digest();
  return Array.from(digest.subarray(0, 17), (byte) => BASE32[byte % 32]).join("");
}

function randomBase32(length: number): string {
  return Array.from(randomBytes(length), (byte) => BASE32[byte % 32]).join("");
}
