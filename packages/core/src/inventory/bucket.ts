import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { z } from "zod";

const bootstrap = z.looseObject({ state: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/) });

/** The state bucket named by `/sst/bootstrap`; undefined when SST was never bootstrapped in the region. */
export async function findStateBucket(ssm: SSMClient): Promise<string | undefined> {
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: "/sst/bootstrap" }));
    const parsed = bootstrap.safeParse(JSON.parse(Parameter?.Value ?? "null"));
    if (!parsed.success) throw new Error("/sst/bootstrap does not name a state bucket");
    return parsed.data.state;
  } catch (error) {
    if (error instanceof Error && error.name === "ParameterNotFound") return undefined;
    throw error;
  }
}
