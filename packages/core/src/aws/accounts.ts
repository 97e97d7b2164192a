import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { describeError, stsClient } from "./clients.js";

export interface AccountSpec {
  id: string;
  roleArn?: string;
  regions: string[];
}

/** An account Stagekeeper can act in, with the credentials that act there. */
export interface AccountTarget {
  account: string;
  regions: string[];
  credentials?: AwsCredentialIdentityProvider;
}

export type AccountResolution =
  | { ok: true; target: AccountTarget }
  | { ok: false; account: string; message: string };

const SESSION = "stagekeeper";
const DURATION_S = 3600;
/** Refresh assumed credentials this long before they expire. */
const REFRESH_MS = 5 * 60_000;

/**
 * Resolves each configured account to credentials that provably act in it: an assumed role, or the default
 * credentials when they belong to that account. A removal runs in the right account or not at all.
 */
export async function resolveAccounts(
  specs: AccountSpec[],
  homeRegion: string,
): Promise<AccountResolution[]> {
  const sts = stsClient({ region: homeRegion });
  if (specs.length === 0) {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    return [{ ok: true, target: { account: identity.Account ?? "", regions: [homeRegion] } }];
  }
  return Promise.all(
    specs.map(async (spec): Promise<AccountResolution> => {
      try {
        const credentials = spec.roleArn ? assumedRole(spec.roleArn, homeRegion) : undefined;
        const identity = await stsClient({
          region: homeRegion,
          ...(credentials ? { credentials } : {}),
        }).send(new GetCallerIdentityCommand({}));
        if (identity.Account !== spec.id) {
          return {
            ok: false,
            account: spec.id,
            message: `credentials act in account ${identity.Account}, not ${spec.id}`,
          };
        }
        return {
          ok: true,
          target: { account: spec.id, regions: spec.regions, ...(credentials ? { credentials } : {}) },
        };
      } catch (error) {
        return { ok: false, account: spec.id, message: describeError(error) };
      }
    }),
  );
}

/**
 * Credentials of an assumed role, fetched on first use and renewed before they expire. Expiry is measured on
 * our own clock from when we asked, so a skewed server clock cannot make us renew on every call.
 */
export function assumedRole(roleArn: string, region: string): AwsCredentialIdentityProvider {
  const sts = stsClient({ region });
  let current: AwsCredentialIdentity | undefined;
  return async () => {
    if (current?.expiration && current.expiration.getTime() - Date.now() > REFRESH_MS) return current;
    const asked = Date.now();
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: SESSION, DurationSeconds: DURATION_S }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new Error(`AssumeRole ${roleArn} returned no credentials`);
    current = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      expiration: new Date(asked + DURATION_S * 1000),
    };
    return current;
  };
}
