import { createHash } from "node:crypto";

/**
 * GitHub's JSON shapes, as the REST API and webhooks send them (octokit/webhooks payload examples): the same
 * pull request object in `GET /repos/{owner}/{repo}/pulls/{number}` and in a `pull_request` delivery.
 */
const API = "https://api.github.com";
const WEB = "https://github.com";

export interface PullRequest {
  repository: string;
  number: number;
  state: "open" | "closed";
  merged: boolean;
  author: string;
  createdAt: Date;
  updatedAt: Date;
  closedAt?: Date;
  mergedAt?: Date;
  /** When set, the REST API answers this status for the PR instead (e.g. 403 for a token without access). */
  answer?: number;
}

/** Stable ids and hashes from names, so the same seed always gives the same payloads. */
export function idOf(text: string, digits = 9): number {
  return Number.parseInt(createHash("sha256").update(text).digest("hex").slice(0, 12), 16) % 10 ** digits;
}

function sha(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

const iso = (time: Date | undefined) => (time ? `${time.toISOString().slice(0, 19)}Z` : null);

export function user(login: string, type = "User") {
  const url = `${API}/users/${login}`;
  const id = idOf(`user:${login}`, 8);
  return {
    login,
    id,
    node_id: Buffer.from(`04:User${id}`).toString("base64"),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: "",
    url,
    html_url: `${WEB}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type,
    site_admin: false,
  };
}

export function repository(fullName: string) {
  const [owner = "", name = ""] = fullName.split("/");
  const url = `${API}/repos/${fullName}`;
  const id = idOf(`repo:${fullName.toLowerCase()}`);
  return {
    id,
    node_id: Buffer.from(`010:Repository${id}`).toString("base64"),
    name,
    full_name: fullName,
    private: false,
    owner: user(owner, "Organization"),
    html_url: `${WEB}/${fullName}`,
    description: null,
    fork: false,
    url,
    pulls_url: `${url}/pulls{/number}`,
    issues_url: `${url}/issues{/number}`,
    hooks_url: `${url}/hooks`,
    created_at: "2024-01-15T09:00:00Z",
    updated_at: "2026-01-15T09:00:00Z",
    pushed_at: "2026-01-15T09:00:00Z",
    git_url: `git://github.com/${fullName}.git`,
    ssh_url: `git@github.com:${fullName}.git`,
    clone_url: `${WEB}/${fullName}.git`,
    svn_url: `${WEB}/${fullName}`,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: "TypeScript",
    forks_count: 0,
    archived: false,
    disabled: false,
    open_issues_count: 0,
    license: null,
    visibility: "public",
    default_branch: "main",
  };
}

export function branchOf(pr: PullRequest): string {
  return `feature/pr-${pr.number}`;
}

export function pullRequest(pr: PullRequest) {
  const repo = repository(pr.repository);
  const url = `${API}/repos/${pr.repository}/pulls/${pr.number}`;
  const issue = `${API}/repos/${pr.repository}/issues/${pr.number}`;
  const html = `${WEB}/${pr.repository}/pull/${pr.number}`;
  const headSha = sha(`head:${pr.repository}#${pr.number}`);
  const author = user(pr.author);
  const owner = pr.repository.split("/")[0] ?? "";
  const id = idOf(`pull:${pr.repository.toLowerCase()}#${pr.number}`);
  const side = (ref: string, commit: string) => ({
    label: `${owner}:${ref}`,
    ref,
    sha: commit,
    user: repo.owner,
    repo,
  });
  return {
    url,
    id,
    node_id: Buffer.from(`011:PullRequest${id}`).toString("base64"),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issue,
    number: pr.number,
    state: pr.state,
    locked: false,
    title: `Change #${pr.number}`,
    user: author,
    body: null,
    created_at: iso(pr.createdAt),
    updated_at: iso(pr.updatedAt),
    closed_at: iso(pr.closedAt),
    merged_at: iso(pr.mergedAt),
    merge_commit_sha: pr.merged ? sha(`merge:${pr.repository}#${pr.number}`) : null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    labels: [],
    milestone: null,
    draft: false,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${API}/repos/${pr.repository}/pulls/comments{/number}`,
    comments_url: `${issue}/comments`,
    statuses_url: `${API}/repos/${pr.repository}/statuses/${headSha}`,
    head: side(branchOf(pr), headSha),
    base: side(repo.default_branch, sha(`base:${pr.repository}`)),
    _links: {
      self: { href: url },
      html: { href: html },
      issue: { href: issue },
      comments: { href: `${issue}/comments` },
      review_comments: { href: `${url}/comments` },
      commits: { href: `${url}/commits` },
      statuses: { href: `${API}/repos/${pr.repository}/statuses/${headSha}` },
    },
    author_association: "MEMBER",
    auto_merge: null,
    active_lock_reason: null,
    merged: pr.merged,
    mergeable: pr.state === "open" ? true : null,
    rebaseable: pr.state === "open" ? true : null,
    mergeable_state: pr.state === "open" ? "clean" : "unknown",
    merged_by: pr.merged ? author : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: 1,
    deletions: 1,
    changed_files: 1,
  };
}

export function pullRequestEvent(action: string, pr: PullRequest, sender: string) {
  return {
    action,
    number: pr.number,
    pull_request: pullRequest(pr),
    repository: repository(pr.repository),
    sender: user(sender),
  };
}

export function pingEvent(fullName: string, target: string, sender: string, now: Date) {
  const hookId = idOf(`hook:${fullName.toLowerCase()}:${target}`);
  const hooks = `${API}/repos/${fullName}/hooks/${hookId}`;
  return {
    zen: "Anything added dilutes everything else.",
    hook_id: hookId,
    hook: {
      type: "Repository",
      id: hookId,
      name: "web",
      active: true,
      events: ["pull_request"],
      config: { content_type: "json", url: target, insecure_ssl: "0" },
      updated_at: iso(now),
      created_at: iso(now),
      url: hooks,
      test_url: `${hooks}/test`,
      ping_url: `${hooks}/pings`,
      deliveries_url: `${hooks}/deliveries`,
      last_response: { code: null, status: "unused", message: null },
    },
    repository: repository(fullName),
    sender: user(sender),
  };
}
