import { type AccountSpec, type AccountTarget, resolveAccounts } from "./accounts.js";
import { describeError } from "./clients.js";

export interface ResolvedTargets {
  targets: AccountTarget[];
  failures: { account: string; message: string }[];
}

/** Credentials that provably act in each account asked for; an empty list means "the caller's own account". */
export type TargetResolver = (accounts: readonly string[]) => Promise<ResolvedTargets>;

/** The accounts Stagekeeper is configured to act in (the config's `accounts`). */
export interface AccountsConfig {
  accounts: readonly AccountSpec[];
}

/**
 * The one account resolver of every surface: resolves accounts as the daily run does (an assumed role, checked
 * with GetCallerIdentity) and remembers the ones that resolved, so a warm Lambda does not ask STS on every
 * request. Assumed credentials renew themselves. A failure is reported per account, never thrown.
 */
export function cachedAccountResolver(config: AccountsConfig, homeRegion: string): TargetResolver {
  const resolved = new Map<string, AccountTarget>();
  /** No accounts configured: the caller's own account, once known. */
  let own: AccountTarget | undefined;
  return async (accounts) => {
    const result: ResolvedTargets = { targets: [], failures: [] };
    if (accounts.length === 0 && own) return { targets: [own], failures: [] };
    const specs: AccountSpec[] = [];
    for (const id of accounts) {
      const known = resolved.get(id);
      if (known) result.targets.push(known);
      else specs.push(config.accounts.find((a) => a.id === id) ?? { id, regions: [homeRegion] });
    }
    if (accounts.length > 0 && specs.length === 0) return result;
    let answers: Awaited<ReturnType<typeof resolveAccounts>>;
    try {
      answers = await resolveAccounts(specs, homeRegion);
    } catch (error) {
      result.failures.push({
        account: accounts.join(", ") || "(own account)",
        message: describeError(error),
      });
      return result;
    }
    for (const answer of answers) {
      if (!answer.ok) result.failures.push({ account: answer.account, message: answer.message });
      else {
        if (accounts.length > 0) resolved.set(answer.target.account, answer.target);
        else own = answer.target;
        result.targets.push(answer.target);
      }
    }
    return result;
  };
}

/** A resolver over targets already resolved (the daily run's survey): an account not among them fails closed. */
export function fixedTargets(targets: readonly AccountTarget[]): TargetResolver {
  return async (accounts) => ({
    targets: accounts.length === 0 ? [...targets] : targets.filter((t) => accounts.includes(t.account)),
    failures: accounts
      .filter((id) => !targets.some((t) => t.account === id))
      .map((account) => ({ account, message: "the account could not be resolved in this run" })),
  });
}

/**
 * The safety gate's `target` for surfaces that act on one stage (CLI, the removal worker, confirmed Slack
 * removals): every configured account (or, with none configured, the caller's own) resolved now. An account
 * that did not resolve is absent, so the gate refuses to act there; when not even the caller's own account
 * can be learned, this throws, so a queued request is delivered again rather than refused.
 */
export async function targetLookup(
  config: AccountsConfig,
  homeRegion: string,
  resolve: TargetResolver = cachedAccountResolver(config, homeRegion),
): Promise<(account: string) => AccountTarget | undefined> {
  const { targets, failures } = await resolve(config.accounts.map((a) => a.id));
  if (config.accounts.length === 0 && targets.length === 0)
    throw new Error(
      `the caller's own account could not be resolved: ${failures[0]?.message ?? "no identity"}`,
    );
  const byAccount = new Map(targets.map((t) => [t.account, t] as const));
  return (account) => byAccount.get(account);
}
