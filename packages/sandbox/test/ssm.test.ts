import { GetParameterCommand, GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../src/index.js";
import { clientConfig, DEV, PROD, testSeed, withSandbox } from "./fixtures.js";

function ssm(sandbox: Sandbox, region = "us-east-1", accessKeyId = "sandbox"): SSMClient {
  return new SSMClient(clientConfig(sandbox, region, accessKeyId));
}

describe("SSM GetParameter", () => {
  it("answers SST's bootstrap parameter per account and region", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const { Parameter } = await ssm(sandbox, "eu-west-1").send(
        new GetParameterCommand({ Name: "/sst/bootstrap" }),
      );
      expect(Parameter).toMatchObject({
        Name: "/sst/bootstrap",
        Type: "String",
        Version: 1,
        DataType: "text",
        ARN: `arn:aws:ssm:eu-west-1:${DEV}:parameter/sst/bootstrap`,
      });
      expect(Parameter?.LastModifiedDate).toBeInstanceOf(Date);
      const stateOf = (value?: string) => (JSON.parse(value ?? "{}") as { state?: string }).state;
      expect(stateOf(Parameter?.Value)).toMatch(/^sst-state-[a-z0-9]{12}$/);

      // Each account and region has its own bootstrap, so its own state bucket.
      const home = await ssm(sandbox, "us-east-1").send(new GetParameterCommand({ Name: "/sst/bootstrap" }));
      const prod = await ssm(sandbox, "us-east-1", `sandbox-${PROD}`).send(
        new GetParameterCommand({ Name: "/sst/bootstrap" }),
      );
      const states = [Parameter, home.Parameter, prod.Parameter].map((p) => stateOf(p?.Value));
      expect(new Set(states).size).toBe(3);
    });
  });

  it("accepts the parameter's ARN and a version selector", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = ssm(sandbox, "eu-west-1");
      const arn = `arn:aws:ssm:eu-west-1:${DEV}:parameter/sst/bootstrap`;
      const byArn = await client.send(new GetParameterCommand({ Name: arn }));
      expect(byArn.Parameter).toMatchObject({ Name: "/sst/bootstrap", ARN: arn });
      const versioned = await client.send(new GetParameterCommand({ Name: "/sst/bootstrap:1" }));
      expect(versioned.Parameter).toMatchObject({ Version: 1, Selector: ":1" });
      await expect(client.send(new GetParameterCommand({ Name: "/sst/bootstrap:7" }))).rejects.toMatchObject({
        name: "ParameterVersionNotFound",
        $metadata: { httpStatusCode: 400 },
      });
      await expect(
        client.send(
          new GetParameterCommand({ Name: `arn:aws:ssm:eu-west-1:${PROD}:parameter/sst/bootstrap` }),
        ),
      ).rejects.toMatchObject({ name: "AccessDeniedException" });
    });
  });

  it("answers ParameterNotFound (400, not retried) where no parameter is", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = new SSMClient({
        ...clientConfig(sandbox, "us-east-1", `sandbox-${PROD}`),
        maxAttempts: 3,
      });
      await expect(client.send(new GetParameterCommand({ Name: "/sst/missing" }))).rejects.toMatchObject({
        name: "ParameterNotFound",
        $metadata: { httpStatusCode: 400, attempts: 1 },
      });
      // PROD has stages only in us-east-1: no bootstrap in eu-west-1.
      await expect(
        ssm(sandbox, "eu-west-1", `sandbox-${PROD}`).send(
          new GetParameterCommand({ Name: "/sst/bootstrap" }),
        ),
      ).rejects.toMatchObject({ name: "ParameterNotFound" });
      const batch = await ssm(sandbox).send(
        new GetParametersCommand({ Names: ["/sst/bootstrap", "/sst/missing"] }),
      );
      expect(batch.Parameters?.map((p) => p.Name)).toEqual(["/sst/bootstrap"]);
      expect(batch.InvalidParameters).toEqual(["/sst/missing"]);
    });
  });

  it("refuses unknown credentials and answers an injected ThrottlingException", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      await expect(
        ssm(sandbox, "us-east-1", "AKIANOBODY").send(new GetParameterCommand({ Name: "/sst/bootstrap" })),
      ).rejects.toMatchObject({ name: "UnrecognizedClientException" });
      await fetch(`${sandbox.url}/_sandbox/faults`, {
        method: "POST",
        body: JSON.stringify({ service: "ssm", operation: "GetParameter", kind: "throttle", count: 1 }),
      });
      await expect(
        ssm(sandbox).send(new GetParameterCommand({ Name: "/sst/bootstrap" })),
      ).rejects.toMatchObject({
        name: "ThrottlingException",
        $metadata: { httpStatusCode: 400 },
      });
      const after = await ssm(sandbox).send(new GetParameterCommand({ Name: "/sst/bootstrap" }));
      expect(after.Parameter?.Name).toBe("/sst/bootstrap");
    });
  });
});
