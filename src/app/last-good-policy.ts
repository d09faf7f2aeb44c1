/**
 * The last good policy (issue 12, item 9). Each policy that loads (at start, and at each reload) is kept in the
 * store — its text and sha256, nothing resolved: it is read again, with today's environment, when needed — and
 * named the last good one. Two things use them:
 *   - a restart with an invalid policy file starts on the last good policy instead of exiting, so what the bot
 *     granted is still revoked on time (src/app/policy-fault.ts says what else changes while it runs so);
 *   - a live grant whose role or resource is gone from the policy in force is revoked with the definitions of
 *     the last kept policy that knew them: its provider (settings as then) and its role's grant parameters.
 * Policy texts are small and change rarely; every version is kept (write secrets as env: references, not
 * inline: the text is stored as written).
 *
 * A kept policy decides which target a revoke reaches, so someone who can write the database must not be able to
 * plant one (an `exec` resource whose command is theirs): each is signed with the audit key (src/audit/key.ts),
 * which is not in the database, and one whose signature or sha256 does not check is ignored. Without any key
 * (an unkeyed install, warned about at start) they are kept unsigned, as the audit chain is.
 */
import { createHash } from 'node:crypto';
import type { StoreReads, UnitOfWork } from '../../db/store/port.ts';
import type { GrantRecord } from '../../db/store/records.ts';
import { byName, resourceNamed, roleNamed, type Policy, type ResourceDef, type RoleDef } from '../domain/policy.ts';
import type { Provider } from '../providers/types.ts';
import { findAuditKey, hmacHex, processAuditKeyring, sameHex } from '../audit/key.ts';
import type { AppContext } from './context.ts';

/** The hash of the last policy that loaded, on any instance. */
export const LAST_GOOD_KEY = 'policy.last_good';
const SOURCE_PREFIX = 'policy.source:';

export interface PolicySource {
  hash: string;
  text: string;
}

/** A kept text read again as the loader reads a file; its problems when it no longer resolves (an env: gone). */
export type ResolvePolicyText = (source: PolicySource) => { ok: true; policy: Policy } | { ok: false; problems: string[] };

interface SealedSource {
  v: 1;
  text: string;
  /** The audit key's id and the HMAC-SHA256 under it; null on an unkeyed install. */
  key: string | null;
  mac: string | null;
}

const macInput = (source: PolicySource): string => `accessbot kept policy v1\n${source.hash}\n${source.text}`;

function seal(source: PolicySource): string {
  const key = processAuditKeyring().current;
  const sealed: SealedSource = { v: 1, text: source.text, key: key?.id ?? null, mac: key ? hmacHex(key, macInput(source)) : null };
  return JSON.stringify(sealed);
}

/** The kept text when its sha256 is its name and its signature checks (or neither this process nor it has a key). */
export function openKept(hash: string, stored: string): PolicySource | null {
  let sealed: Partial<SealedSource>;
  try {
    sealed = JSON.parse(stored) as Partial<SealedSource>;
  } catch {
    return null;
  }
  if (sealed.v !== 1 || typeof sealed.text !== 'string') return null;
  const source = { hash, text: sealed.text };
  if (createHash('sha256').update(source.text, 'utf8').digest('hex') !== hash && !sealed.mac) return null;
  const keyring = processAuditKeyring();
  if (!sealed.key || !sealed.mac) return keyring.current === null && keyring.previous.length === 0 ? source : null;
  const key = findAuditKey(keyring, sealed.key);
  return key && sameHex(hmacHex(key, macInput(source)), sealed.mac) ? source : null;
}

/** Keep this policy and name it the last good one (inside the transaction that records it). */
export async function rememberGoodPolicy(uow: UnitOfWork, source: PolicySource, now: number): Promise<void> {
  await uow.kvPut(SOURCE_PREFIX + source.hash, seal(source), now);
  await uow.kvPut(LAST_GOOD_KEY, source.hash, now);
}

/** The last good policy, when one is kept and checks (see openKept). */
export async function lastGoodPolicy(reads: Pick<StoreReads, 'kvGet'>): Promise<PolicySource | null> {
  const hash = await reads.kvGet(LAST_GOOD_KEY);
  if (!hash) return null;
  const stored = await reads.kvGet(SOURCE_PREFIX + hash);
  return stored === null ? null : openKept(hash, stored);
}

/** Every kept policy that checks, the one most recently in force first. */
export async function keptPolicies(reads: Pick<StoreReads, 'kvList'>): Promise<PolicySource[]> {
  const rows = await reads.kvList(SOURCE_PREFIX);
  return rows.sort((a, b) => b.updatedAt - a.updatedAt).flatMap((row) => {
    const source = openKept(row.key.slice(SOURCE_PREFIX.length), row.value);
    return source ? [source] : [];
  });
}

/** What a policy in force has, for telling which live grants it does not cover. */
export interface InForce {
  hash: string;
  hasRole(name: string): boolean;
  hasResource(name: string): boolean;
}

/** A live grant whose role or resource the policy in force lacks, with what the kept policies say of them. */
export interface UncoveredGrant {
  grant: GrantRecord;
  /** Absent: the policy in force has the role. Else the role as the last kept policy that had it on this grant's resource defined it, or null when none did. */
  formerRole?: RoleDef | null;
  /** Absent: the policy in force has the resource. Else as the last kept policy that had it defined it, or null when none did. */
  formerResource?: ResourceDef | null;
}

/**
 * The one search for definitions a policy dropped (used by the running bot and by `policy check --db`): for each
 * grant `inForce` does not cover, the most recent kept policy (other than the one in force) that knew its role
 * — on the same resource — and its resource. Kept policies are read and resolved only when a grant needs them,
 * each at most once.
 */
export async function uncoveredGrants(
  reads: Pick<StoreReads, 'kvList'>,
  grants: readonly GrantRecord[],
  inForce: InForce,
  resolve: (source: PolicySource) => Policy | null,
): Promise<UncoveredGrant[]> {
  const uncovered = grants.filter((grant) => !inForce.hasRole(grant.role) || !inForce.hasResource(grant.resource));
  if (uncovered.length === 0) return [];
  const kept = (await keptPolicies(reads)).filter((source) => source.hash !== inForce.hash);
  const resolved = new Map<string, Policy | null>();
  const policies = function* (): Generator<Policy> {
    for (const source of kept) {
      if (!resolved.has(source.hash)) resolved.set(source.hash, resolve(source));
      const policy = resolved.get(source.hash);
      if (policy) yield policy;
    }
  };
  const firstIn = <T>(pick: (policy: Policy) => T | undefined): T | null => {
    for (const policy of policies()) {
      const found = pick(policy);
      if (found) return found;
    }
    return null;
  };
  const roles = new Map<string, RoleDef | null>();
  const resources = new Map<string, ResourceDef | null>();
  return uncovered.map((grant) => {
    const out: UncoveredGrant = { grant };
    if (!inForce.hasRole(grant.role)) {
      const key = `${grant.role}\0${grant.resource}`;
      if (!roles.has(key)) roles.set(key, firstIn((policy) => { const role = roleNamed(policy, grant.role); return role?.resource === grant.resource ? role : undefined; }));
      out.formerRole = roles.get(key)!;
    }
    if (!inForce.hasResource(grant.resource)) {
      if (!resources.has(grant.resource)) resources.set(grant.resource, firstIn((policy) => resourceNamed(policy, grant.resource)));
      out.formerResource = resources.get(grant.resource)!;
    }
    return out;
  });
}

export interface FormerDefinitions {
  /** Roles the policy in force lacks, as the last kept policy that knew them defined them. */
  roles: RoleDef[];
  /** Resources without a provider in force, as the last kept policy that knew them defined them. */
  resources: ResourceDef[];
  /** Live grants whose role or resource nothing kept knows (revoked without the role's parameters, or failing with alerts, as before). */
  unknown: GrantRecord[];
}

/** For the live grants the policy in force does not cover: the definitions of the last kept policy that knew them. */
export async function formerDefinitions(ctx: Pick<AppContext, 'store' | 'policy' | 'providers'>, resolve: ResolvePolicyText): Promise<FormerDefinitions> {
  const inForce: InForce = { hash: ctx.policy.hash, hasRole: (name) => roleNamed(ctx.policy, name) !== undefined, hasResource: (name) => ctx.providers.has(name) };
  const uncovered = await uncoveredGrants(ctx.store, await ctx.store.liveGrants(), inForce, (source) => {
    const result = resolve(source);
    return result.ok ? result.policy : null;
  });
  const roles = byName<RoleDef>();
  const resources = byName<ResourceDef>();
  const unknown: GrantRecord[] = [];
  for (const { grant, formerRole, formerResource } of uncovered) {
    if (formerRole) roles[formerRole.name] ??= formerRole;
    if (formerResource) resources[formerResource.name] ??= formerResource;
    if (formerRole === null || formerResource === null) unknown.push(grant);
  }
  return { roles: Object.values(roles), resources: Object.values(resources), unknown };
}

/**
 * Put the former definitions in reach of revokes: former roles into `ctx.formerRoles`, providers for former
 * resources into `ctx.providers` (kept until the process stops, as a reload keeps a removed resource's).
 * `createProviders` null: the providers are fixed (given by a test) and left as they are.
 */
export async function restoreFormerDefinitions(
  ctx: AppContext,
  resolve: ResolvePolicyText,
  createProviders: ((resources: ResourceDef[]) => Map<string, Provider>) | null,
): Promise<void> {
  const former = await formerDefinitions(ctx, resolve);
  if (former.roles.length > 0) {
    const roles = byName<RoleDef>();
    Object.assign(roles, ctx.formerRoles ?? {});
    for (const role of former.roles) roles[role.name] = role;
    ctx.formerRoles = roles;
    ctx.log.warn({ roles: former.roles.map((r) => r.name) }, 'live grants on roles the policy no longer has: their revokes use the last policy that knew them');
  }
  if (former.resources.length > 0 && createProviders) {
    try {
      const created = createProviders(former.resources);
      ctx.providers = new Map([...ctx.providers, ...created]);
      ctx.log.warn({ resources: [...created.keys()] }, 'live grants on resources the policy no longer has: their revokes use the last policy that knew them');
    } catch (error) {
      ctx.log.error({ resources: former.resources.map((r) => r.name), err: error instanceof Error ? error.message : String(error) }, 'could not create providers for resources of live grants that the policy no longer has');
    }
  }
  for (const grant of former.unknown) {
    ctx.log.error({ grantId: grant.id, role: grant.role, resource: grant.resource }, 'a live grant whose role or resource no kept policy knows: its revoke goes without that role\'s grant parameters, or cannot reach the target at all');
  }
}

/** The roles a grant's target work (apply, revoke, reconcile) may use: the policy's, and former ones for live grants whose role it no longer has. */
export function rolesOfLiveGrants(ctx: Pick<AppContext, 'policy' | 'formerRoles'>): Pick<Policy, 'roles'> {
  if (!ctx.formerRoles) return ctx.policy;
  const roles = byName<RoleDef>();
  Object.assign(roles, ctx.formerRoles, ctx.policy.roles);
  return { roles };
}
