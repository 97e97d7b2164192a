import { ServiceError } from "../http.js";
import { awsJsonService, type Caller, epochSeconds } from "./aws-json.js";
import type { SandboxContext, Service } from "./service.js";

const PARAMETER_ARN = /^arn:aws[\w-]*:ssm:([^:]+):(\d{12}):parameter(\/.*)$/;

/**
 * SSM Parameter Store, as far as SST's bootstrap needs it (WIRE.md §5.1): parameters live per account and
 * region, the region being the one the request was signed for.
 */
export function ssmService(ctx: SandboxContext): Service {
  const { estate } = ctx;

  function lookUp(reference: unknown, caller: Caller) {
    if (typeof reference !== "string" || reference.length < 1 || reference.length > 2048) {
      throw new ServiceError(
        "ValidationException",
        `1 validation error detected: Value '${String(reference ?? "null")}' at 'name' failed to satisfy constraint: Member must have length between 1 and 2048`,
      );
    }
    let name = reference;
    let region = caller.region;
    let alternative: string | undefined;
    const arn = PARAMETER_ARN.exec(reference);
    if (arn) {
      const [, arnRegion = "", account = "", path = ""] = arn;
      if (account !== caller.principal.account) {
        throw new ServiceError(
          "AccessDeniedException",
          `User: ${caller.principal.arn} is not authorized to perform: ssm:GetParameter on resource: ${reference}`,
        );
      }
      region = arnRegion;
      // The ARN drops a name's leading "/": "parameter/x" is "x" or "/x", "parameter/sst/bootstrap" is "/sst/bootstrap".
      name = path.indexOf("/", 1) > 0 ? path : path.slice(1);
      alternative = path;
    }
    // A selector picks a version (name:3) or a label (name:prod); the sandbox keeps one version, no labels.
    const selectorAt = name.lastIndexOf(":");
    const selector = selectorAt > 0 ? name.slice(selectorAt + 1) : undefined;
    if (selector !== undefined) {
      name = name.slice(0, selectorAt);
      alternative = alternative?.slice(0, alternative.lastIndexOf(":"));
    }
    const find = (candidate: string) =>
      region === caller.region
        ? estate.parameters.get(`${caller.principal.account}/${region}/${candidate}`)
        : undefined;
    let stored = find(name);
    if (!stored && alternative !== undefined && find(alternative)) {
      name = alternative;
      stored = find(name);
    }
    if (!stored) throw new ServiceError("ParameterNotFound", `Parameter ${name} not found.`);
    if (selector !== undefined && /^\d+$/.test(selector) && Number(selector) !== stored.version) {
      throw new ServiceError(
        "ParameterVersionNotFound",
        `Systems Manager could not find version ${selector} of ${name}. Verify the version and try again.`,
      );
    }
    if (selector !== undefined && !/^\d+$/.test(selector)) {
      throw new ServiceError("ParameterNotFound", `Parameter ${name}:${selector} not found.`);
    }
    const path = name.startsWith("/") ? name : `/${name}`;
    return {
      Name: name,
      Type: "String",
      Value: stored.value,
      Version: stored.version,
      ...(selector !== undefined ? { Selector: `:${selector}` } : {}),
      LastModifiedDate: epochSeconds(stored.modified),
      ARN: `arn:aws:ssm:${region}:${caller.principal.account}:parameter${path}`,
      DataType: "text",
    };
  }

  return awsJsonService(ctx, {
    name: "ssm",
    target: "AmazonSSM",
    throttlingCode: "ThrottlingException",
    operations: {
      GetParameter: (input, caller) => ({ Parameter: lookUp(input.Name, caller) }),
      GetParameters: (input, caller) => {
        const names = Array.isArray(input.Names) ? input.Names : [];
        if (names.length < 1 || names.length > 10) {
          throw new ServiceError(
            "ValidationException",
            "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 10",
          );
        }
        const found: unknown[] = [];
        const invalid: string[] = [];
        for (const name of names) {
          try {
            found.push(lookUp(name, caller));
          } catch (error) {
            if (!(error instanceof ServiceError) || error.code === "ValidationException") throw error;
            invalid.push(String(name));
          }
        }
        return { Parameters: found, InvalidParameters: invalid };
      },
    },
  });
}
