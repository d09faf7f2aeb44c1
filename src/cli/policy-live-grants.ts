/**
 * `policy check --db FILE|URL` (or `--live-grants`, the configured store): warns about live grants that the
 * checked policy would strand — their role or resource is gone, or the role now points elsewhere. Read only:
 * the store is opened without migrating and nothing is written.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { StoreReads } from '../../db/store/port.ts';
import { resourceNamed, roleNamed, type Policy } from '../domain/policy.ts';
import { requestRef } from '../domain/request-id.ts';
import { uncoveredGrants, type PolicySource } from '../app/last-good-policy.ts';

export interface StoreTarget {
  databaseUrl?: string;
  sqlitePath?: string;
  /** For messages (a URL without its password). */
  label: string;
}

/** `--db` as given: a postgres:// URL, else a SQLite file that must exist (a check never creates one). */
export function storeTargetFrom(value: string, cwd: string): StoreTarget | { error: string } {
  if (/^postgres(ql)?:\/\//i.test(value)) return { databaseUrl: value, label: redact(value) };
  const path = resolve(cwd, value);
  if (!existsSync(path)) return { error: `no database at ${path}` };
  return { sqlitePath: path, label: path };
}

/** The store `serve` would use: DATABASE_URL, else ACCESSBOT_DB, else ./data/accessbot.db. */
export function configuredStoreTarget(env: Readonly<Record<string, string | undefined>>, cwd: string): StoreTarget | { error: string } {
  const url = env.DATABASE_URL?.trim();
  if (url) return storeTargetFrom(url, cwd);
  return storeTargetFrom(env.ACCESSBOT_DB?.trim() || './data/accessbot.db', cwd);
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the PostgreSQL database';
  }
}

type GrantReads = Pick<StoreReads, 'liveGrants' | 'getRequest' | 'kvList'>;

/** A policy text kept in the store, read again as this check reads files; null when it does not load. */
export type ReadKeptPolicy = (source: PolicySource) => Policy | null;

/**
 * One line per live grant the policy strands. The running bot revokes a grant whose role or resource is gone
 * with the last policy kept in its database that knew them (src/app/last-good-policy.ts, the same search):
 * each line says whether one does, so the warning is about what will actually happen.
 */
export async function strandedGrants(reads: GrantReads, policy: Policy, readKept: ReadKeptPolicy = () => null): Promise<string[]> {
  const grants = await reads.liveGrants();
  const inForce = { hash: policy.hash, hasRole: (name: string) => roleNamed(policy, name) !== undefined, hasResource: (name: string) => resourceNamed(policy, name) !== undefined };
  const former = new Map((await uncoveredGrants(reads, grants, inForce, readKept)).map((u) => [u.grant, u]));
  const warnings: string[] = [];
  for (const grant of grants) {
    const uncovered = former.get(grant);
    const role = roleNamed(policy, grant.role);
    if (!uncovered && role?.resource === grant.resource) continue;
    const requestId = grant.requestId;
    const request = await reads.getRequest(requestId);
    const holder = request?.requesterEmail ?? (request?.requesterSlackId ? `slack:${request.requesterSlackId}` : request?.requesterTeamsId ? `teams:${request.requesterTeamsId}` : 'someone');
    const what = `${requestRef(requestId)} (${holder}, "${grant.role}" on ${grant.resource}, ${grant.status} until ${new Date(grant.expiresAt).toISOString()})`;
    const revokeFirst = `revoke it first (accessbot grants revoke ${requestRef(requestId)} --reason …) or keep it until the grant ends`;
    if (uncovered?.formerResource !== undefined) {
      warnings.push(
        uncovered.formerResource
          ? `${what}: this policy removes resource ${grant.resource}; the bot still revokes it there, with the last policy in its database that had ${grant.resource} (its provider settings as then), but it cannot be extended`
          : `${what}: this policy removes resource ${grant.resource}, and no policy kept in the database has it, so the bot could not revoke it at the target (no provider; the revoke keeps retrying with alerts); ${revokeFirst}`,
      );
    } else if (uncovered?.formerRole !== undefined) {
      warnings.push(
        uncovered.formerRole
          ? `${what}: this policy removes role "${grant.role}": the grant cannot be extended; its revoke uses the role's grant parameters from the last policy in the database that had it`
          : `${what}: this policy removes role "${grant.role}": the grant cannot be extended, and its revoke is sent without the role's grant parameters (no policy kept in the database has it); ${revokeFirst}`,
      );
    } else if (role) {
      warnings.push(`${what}: role "${grant.role}" now uses ${role.resource}; this grant stays on ${grant.resource} and is revoked there`);
    }
  }
  return warnings;
}

/** Opens the store read-only (no migrations), reads, closes. */
export async function strandedGrantsIn(target: StoreTarget, policy: Policy, readKept?: ReadKeptPolicy): Promise<string[]> {
  // Loaded here: the other policy commands never pull in the database drivers.
  const { openStore } = await import('../../db/store/open.ts');
  const store = await openStore({ ...(target.databaseUrl ? { databaseUrl: target.databaseUrl } : { sqlitePath: target.sqlitePath! }), migrate: false });
  try {
    return await strandedGrants(store, policy, readKept);
  } finally {
    await store.close();
  }
}
