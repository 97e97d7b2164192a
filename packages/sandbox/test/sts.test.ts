import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../src/index.js";
import { clientConfig, DEV, PROD, testSeed, withSandbox } from "./fixtures.js";

function sts(sandbox: Sandbox, accessKeyId = "sandbox"): STSClient {
  return new STSClient(clientConfig(sandbox, "us-east-1", accessKeyId));
}

const ROLE = `arn:aws:iam::${PROD}:role/stagekeeper`;

describe("STS", () => {
  it("tells the caller who it is", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const me = await sts(sandbox).send(new GetCallerIdentityCommand({}));
      expect(me).toMatchObject({ Account: DEV, Arn: `arn:aws:iam::${DEV}:user/sandbox` });
      expect(me.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
      const prod = await sts(sandbox, `sandbox-${PROD}`).send(new GetCallerIdentityCommand({}));
      expect(prod.Account).toBe(PROD);
      expect(sandbox.requests.get("sts.GetCallerIdentity")).toBe(2);
    });
  });

  it("assumes a role in the second account whose credentials then act there in every service", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const assumed = await sts(sandbox).send(
        new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "stagekeeper-scan" }),
      );
      const { Credentials, AssumedRoleUser } = assumed;
      expect(Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
      expect(Credentials?.Expiration?.toISOString()).toBe(
        new Date(Math.floor(sandbox.estate.clock.now().getTime() / 1000) * 1000 + 3600_000).toISOString(),
      );
      expect(AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${PROD}:assumed-role/stagekeeper/stagekeeper-scan`);
      const credentials = {
        accessKeyId: Credentials?.AccessKeyId ?? "",
        secretAccessKey: Credentials?.SecretAccessKey ?? "",
        sessionToken: Credentials?.SessionToken ?? "",
      };
      const config = { ...clientConfig(sandbox, "us-east-1"), credentials };

      const me = await new STSClient(config).send(new GetCallerIdentityCommand({}));
      expect(me).toMatchObject({
        Account: PROD,
        Arn: AssumedRoleUser?.Arn,
        UserId: AssumedRoleUser?.AssumedRoleId,
      });

      const { Parameter } = await new SSMClient(config).send(
        new GetParameterCommand({ Name: "/sst/bootstrap" }),
      );
      const bucket = (JSON.parse(Parameter?.Value ?? "{}") as { state: string }).state;
      const listing = await new S3Client(config).send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: "app/" }),
      );
      expect(listing.Contents?.map((o) => o.Key)).toEqual(["app/shop/production.json"]);
    });
  });

  it("denies a role the account does not have, or an account not in the estate", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = sts(sandbox);
      for (const RoleArn of [
        `arn:aws:iam::${PROD}:role/admin`,
        "arn:aws:iam::999999999999:role/stagekeeper",
      ]) {
        await expect(
          client.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: "s1" })),
        ).rejects.toMatchObject({
          name: "AccessDenied",
          message: `User: arn:aws:iam::${DEV}:user/sandbox is not authorized to perform: sts:AssumeRole on resource: ${RoleArn}`,
          $metadata: { httpStatusCode: 403 },
        });
      }
    });
  });

  it("validates the session name and duration", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = sts(sandbox);
      const attempt = (RoleSessionName: string, DurationSeconds?: number) =>
        client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName, DurationSeconds }));
      await expect(attempt("x")).rejects.toMatchObject({
        name: "ValidationError",
        message: expect.stringContaining("'roleSessionName' failed to satisfy constraint"),
        $metadata: { httpStatusCode: 400 },
      });
      await expect(attempt("has space")).rejects.toMatchObject({ name: "ValidationError" });
      await expect(attempt("ok-name", 899)).rejects.toMatchObject({
        name: "ValidationError",
        message: expect.stringContaining("greater than or equal to 900"),
      });
      await expect(attempt("ok-name", 43201)).rejects.toMatchObject({ name: "ValidationError" });
      await expect(attempt("x", 10)).rejects.toMatchObject({
        message: expect.stringMatching(/^2 validation errors detected/),
      });
      const longest = await attempt("user+tag=1,a.b@c-d_e", 43200);
      expect(longest.Credentials?.Expiration?.getTime()).toBeGreaterThan(
        sandbox.estate.clock.now().getTime(),
      );
    });
  });

  it("lets assumed credentials expire on the sandbox clock", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const { Credentials } = await sts(sandbox).send(
        new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "short", DurationSeconds: 900 }),
      );
      const accessKeyId = Credentials?.AccessKeyId ?? "";
      // Role chaining is limited to one hour.
      await expect(
        sts(sandbox, accessKeyId).send(
          new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "chained", DurationSeconds: 7200 }),
        ),
      ).rejects.toMatchObject({ name: "ValidationError" });
      await fetch(`${sandbox.url}/_sandbox/clock`, {
        method: "POST",
        body: JSON.stringify({ advance: "PT16M" }),
      });
      await expect(sts(sandbox, accessKeyId).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: "ExpiredToken",
      });
      const s3 = new S3Client(clientConfig(sandbox, "us-east-1", accessKeyId));
      await expect(s3.send(new ListObjectsV2Command({ Bucket: "stagekeeper-ledger" }))).rejects.toMatchObject(
        {
          name: "ExpiredToken",
          $metadata: { httpStatusCode: 400 },
        },
      );
    });
  });

  it("refuses unknown credentials and answers an injected Throttling", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      await expect(sts(sandbox, "AKIANOBODY").send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: "InvalidClientTokenId",
        $metadata: { httpStatusCode: 403 },
      });
      await fetch(`${sandbox.url}/_sandbox/faults`, {
        method: "POST",
        body: JSON.stringify({ service: "sts", operation: "AssumeRole", kind: "throttle", count: 1 }),
      });
      await expect(
        sts(sandbox).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "s1" })),
      ).rejects.toMatchObject({ name: "Throttling", $metadata: { httpStatusCode: 400 } });
      expect((await sts(sandbox).send(new GetCallerIdentityCommand({}))).Account).toBe(DEV);
    });
  });
});
