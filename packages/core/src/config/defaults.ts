/**
 * The kinds a fresh install uses. They remove only what is clearly ephemeral: a stable production stage
 * can go months without a deploy, so every name that is not a PR or a known personal stage is kept.
 * Typed by hand (not inferred) so the schema can import it as its default without a cycle.
 */
export interface DefaultKind {
  name: string;
  match?: string;
  ignoreCase: boolean;
  owners?: true;
  expire: { idleDays?: number; ageDays?: number; onPrClosed?: boolean; at?: string };
  warnHours: number;
  removable: boolean;
}

export const DEFAULT_KINDS: DefaultKind[] = [
  {
    name: "permanent",
    match: "^(production|staging|prod|main|master|live|release)(-.*)?$",
    ignoreCase: true,
    expire: {},
    warnHours: 24,
    removable: false,
  },
  {
    name: "pr",
    match: "^pr-(\\d+)$",
    ignoreCase: false,
    expire: { idleDays: 7, onPrClosed: true },
    warnHours: 24,
    removable: true,
  },
  {
    name: "personal",
    owners: true,
    ignoreCase: false,
    expire: { idleDays: 14 },
    warnHours: 24,
    removable: true,
  },
];
