/**
 * Reloading the policy while the bot runs (SIGHUP, or the file changed: src/config/policy-watcher.ts).
 *
 * The file is loaded and checked exactly as `serve` checks it at start. A valid file that differs from the one
 * in force is recorded first — a `policy.loaded` audit event with its sha256 and what changed, and the same
 * summary for the audit channel, in one transaction — and only then put in force by swapping `ctx.policy` (one
 * assignment). Each use case reads `ctx.policy` once, so a decision in flight finishes under the policy it
 * started with and records that policy's hash; the next one uses the new policy. Providers are created for
 * resources that are new or whose settings changed; a removed resource keeps its provider (until the process
 * stops) so the grants still live on it can be revoked. An invalid file changes nothing: the problems are
 * logged and posted to the audit channel.
 *
 * Each replica watches and reloads its own file; the audit says which instance loaded which hash.
 */
import { createHash } from 'node:crypto';
import { appendAudit } from '../audit/chain.ts';
import { diffPolicies, type PolicyChanges } from '../domain/policy-diff.ts';
import type { Policy, ResourceDef } from '../domain/policy.ts';
import type { Provider } from '../providers/types.ts';
import type { AppContext } from './context.ts';
import { byName, type RoleDef } from '../domain/policy.ts';
import { rememberGoodPolicy } from './last-good-policy.ts';
import { enqueueNotice } from './outbox.ts';

/** What started a load: `start`, `SIGHUP` or `file change`. */
export type ReloadTrigger = 'start' | 'SIGHUP' | 'file change';

/** The file as the loader read it: the policy, or every problem (one line each, with its line in the file). */
export type LoadedPolicy = { ok: true; policy: Policy; warnings: string[]; /** The file's text, kept in the store as the last good policy. */ text?: string } | { ok: false; problems: string[]; hash: string | null };

export type ReloadOutcome =
  | { kind: 'loaded'; hash: string; previousHash: string; changes: PolicyChanges }
  /** The file's bytes are those of the policy in force: nothing to do. */
  | { kind: 'unchanged'; hash: string }
  /** The file has problems; the policy in force is kept. */
  | { kind: 'rejected'; problems: string[]; hash: string | null }
  /** Valid, but it could not be put in force (providers, or recording it failed); the policy in force is kept. */
  | { kind: 'failed'; hash: string; error: string };

export interface PolicyReloaderDeps {
  ctx: AppContext;
  /** The file, as shown in logs, alerts and the audit. */
  path: string;
  load(): LoadedPolicy;
  /**
   * Live providers for these resources (new, or with changed settings). Null when the providers are fixed
   * (given by a test): they are kept as they are.
   */
  createProviders: ((resources: ResourceDef[]) => Map<string, Provider>) | null;
  /** After a swap, with the roles that are new or changed (start-up's read-only check against their targets). */
  afterSwap?: (policy: Policy, roles: string[]) => void;
}

/** The hash of the policy last recorded by a `policy.loaded` event, by any instance. */
export const POLICY_HASH_KEY = 'policy.hash';
/** Lines of changes in one audit-channel post; the audit event keeps them all. */
const LINES_POSTED = 25;
const HOUR = 3_600_000;

export class PolicyReloader {
  private chain: Promise<unknown> = Promise.resolve();
  /** Providers replaced by a reload (their resource's settings changed); closed when the process stops. */
  private readonly replaced: Provider[] = [];

  constructor(private readonly deps: PolicyReloaderDeps) {}

  /** Load the file and put it in force when it is valid and differs. Reloads run one after another. */
  reload(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    const next = this.chain.then(() => this.reloadNow(trigger));
    this.chain = next.catch(() => {});
    return next;
  }

  /**
   * At start: record a `policy.loaded` event when the policy in force is not the one last recorded (a new file
   * deployed with a restart), with a post to the audit channel, so every hash a decision names has its event.
   * When it is the one last recorded (a plain restart, another replica), nothing is written.
   */
  async recordStart(): Promise<void> {
    const { ctx, path } = this.deps;
    const policy = ctx.policy;
    const now = ctx.clock.now();
    const recorded = await ctx.store.tx(async (uow) => {
      const last = await uow.kvGet(POLICY_HASH_KEY);
      if (last === policy.hash) return false;
      await appendAudit(uow, { at: now, actor: 'system', action: 'policy.loaded', details: this.details(policy, last, 'start', null) });
      await uow.kvPut(POLICY_HASH_KEY, policy.hash, now);
      await enqueueNotice(uow, ctx, { type: 'audit.alert', code: 'policy', text: `${heading(ctx, policy.hash, last, 'start', path)}\nLoaded at start; what changed since the last policy is not known to this process.` }, `alert:policy:${last ?? 'none'}:${policy.hash}:${Math.floor(now / HOUR)}`);
      return true;
    });
    if (recorded) ctx.afterCommit.noticesQueued();
  }

  /** Resolves once the reloads asked for so far are done (shutdown waits for them before closing the store). */
  async idle(): Promise<void> {
    await this.chain;
  }

  /** Providers this reloader replaced, to close at shutdown (after the work that may still use them). */
  replacedProviders(): readonly Provider[] {
    return this.replaced;
  }

  private async reloadNow(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    const { ctx, path } = this.deps;
    const current = ctx.policy;
    let loaded: LoadedPolicy;
    try {
      loaded = this.deps.load();
    } catch (error) {
      loaded = { ok: false, problems: [messageOf(error)], hash: null };
    }
    if (!loaded.ok) return this.rejected(trigger, current, loaded.problems, loaded.hash);
    const next = loaded.policy;
    if (next.hash === current.hash) {
      ctx.log.info({ policy: path, hash: next.hash, trigger }, 'policy file unchanged; nothing to reload');
      // Running on the last good policy, and the file is that policy again: it is fixed.
      if (ctx.policyFault) await this.recovered(trigger, next.hash);
      return { kind: 'unchanged', hash: next.hash };
    }
    for (const warning of loaded.warnings) ctx.log.warn({ policy: path }, warning);
    const changes = diffPolicies(current, next);

    let providers: Map<string, Provider>;
    let created: Provider[];
    let retired: Provider[];
    try {
      ({ providers, created, retired } = this.providersFor(next, changes));
    } catch (error) {
      return this.failed(trigger, next.hash, `its providers could not be created: ${messageOf(error)}`);
    }

    const now = ctx.clock.now();
    try {
      await ctx.store.tx(async (uow) => {
        await appendAudit(uow, { at: now, actor: 'system', action: 'policy.loaded', details: this.details(next, current.hash, trigger, changes) });
        await uow.kvPut(POLICY_HASH_KEY, next.hash, now);
        if (loaded.text !== undefined) await rememberGoodPolicy(uow, { hash: next.hash, text: loaded.text }, now);
        await enqueueNotice(uow, ctx, { type: 'audit.alert', code: 'policy', text: summaryText(ctx, next.hash, current.hash, trigger, path, changes) }, `alert:policy:${current.hash}:${next.hash}:${Math.floor(now / HOUR)}`);
      });
    } catch (error) {
      for (const provider of created) void provider.close?.().catch(() => {});
      return this.failed(trigger, next.hash, `recording it in the audit log failed: ${messageOf(error)}`);
    }
    // Recorded: put it in force. Decisions that already read ctx.policy finish under the old one.
    // A removed role's definition stays in reach of its live grants' revokes (src/app/last-good-policy.ts).
    if (changes.rolesRemoved.length > 0) ctx.formerRoles = withFormerRoles(ctx.formerRoles, changes.rolesRemoved.map((name) => current.roles[name]!));
    ctx.policy = next;
    ctx.providers = providers;
    if (ctx.policyFault) await this.recovered(trigger, next.hash);
    this.replaced.push(...retired);
    ctx.afterCommit.noticesQueued();
    ctx.log.info(
      { policy: path, hash: next.hash, previous: current.hash, trigger, rolesAdded: changes.rolesAdded, rolesRemoved: changes.rolesRemoved, rolesChanged: changes.rolesChanged, changes: changes.lines },
      'policy reloaded',
    );
    const touched = [...changes.rolesAdded, ...changes.rolesChanged, ...Object.values(next.roles).filter((r) => changes.resourcesChanged.includes(r.resource)).map((r) => r.name)];
    if (touched.length > 0) this.deps.afterSwap?.(next, [...new Set(touched)]);
    return { kind: 'loaded', hash: next.hash, previousHash: current.hash, changes };
  }

  /** The providers for `next`: kept for unchanged and removed resources, new for new and changed ones. */
  private providersFor(next: Policy, changes: PolicyChanges): { providers: Map<string, Provider>; created: Provider[]; retired: Provider[] } {
    const current = this.deps.ctx.providers;
    if (!this.deps.createProviders) return { providers: new Map(current), created: [], retired: [] };
    const build = [...changes.resourcesAdded, ...changes.resourcesChanged].map((name) => next.resources[name]!);
    const created = build.length > 0 ? this.deps.createProviders(build) : new Map<string, Provider>();
    const providers = new Map(current);
    const retired: Provider[] = [];
    for (const [name, provider] of created) {
      const old = providers.get(name);
      if (old) retired.push(old);
      providers.set(name, provider);
    }
    return { providers, created: [...created.values()], retired };
  }

  /** The file is valid again: take requests again, and say so. */
  private async recovered(trigger: ReloadTrigger, hash: string): Promise<void> {
    const { ctx, path } = this.deps;
    ctx.policyFault = null;
    ctx.log.info({ policy: path, hash, trigger }, 'the policy file is valid again: taking new requests');
    await this.alert('policy', `${path} (sha256 ${short(hash)}) is valid again (${trigger}, ${ctx.instanceId}): accessbot takes new requests again.`, `alert:policy_fixed:${hash}`);
  }

  private async rejected(trigger: ReloadTrigger, current: Policy, problems: string[], hash: string | null): Promise<ReloadOutcome> {
    const { ctx, path } = this.deps;
    ctx.log.error({ policy: path, hash, trigger, problems, kept: current.hash }, 'the policy file has problems; keeping the current policy');
    const text = [
      `${path}${hash ? ` (sha256 ${short(hash)})` : ''} was not loaded (${trigger}, ${ctx.instanceId}): ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}. The policy in force (sha256 ${short(current.hash)}) is kept.`,
      ...problems.slice(0, LINES_POSTED).map((p) => `• ${p}`),
      ...(problems.length > LINES_POSTED ? [`… and ${problems.length - LINES_POSTED} more (run accessbot policy check)`] : []),
    ].join('\n');
    await this.alert('policy_rejected', text, `alert:policy_rejected:${current.hash}:${digest(problems.join('\n'))}`);
    return { kind: 'rejected', problems, hash };
  }

  private async failed(trigger: ReloadTrigger, hash: string, error: string): Promise<ReloadOutcome> {
    const { ctx, path } = this.deps;
    ctx.log.error({ policy: path, hash, trigger, err: error, kept: ctx.policy.hash }, 'could not put the new policy in force; keeping the current policy');
    await this.alert('policy_rejected', `${path} (sha256 ${short(hash)}) is valid but was not put in force (${trigger}, ${ctx.instanceId}): ${error}. The policy in force (sha256 ${short(ctx.policy.hash)}) is kept; send SIGHUP to try again.`, `alert:policy_failed:${hash}:${digest(error)}`);
    return { kind: 'failed', hash, error };
  }

  /** Queue an audit-channel alert; the dedupe key within the hour keeps a file saved over and over to one post. */
  private async alert(code: 'policy_rejected' | 'policy', text: string, key: string): Promise<void> {
    const { ctx } = this.deps;
    const now = ctx.clock.now();
    try {
      await ctx.store.tx((uow) => enqueueNotice(uow, ctx, { type: 'audit.alert', code, text }, `${key}:${Math.floor(now / HOUR)}`));
      ctx.afterCommit.noticesQueued();
    } catch (error) {
      ctx.log.error({ err: messageOf(error) }, 'could not queue the policy alert');
    }
  }

  private details(policy: Policy, previous: string | null, trigger: ReloadTrigger, changes: PolicyChanges | null) {
    return {
      hash: policy.hash,
      previous_hash: previous,
      trigger,
      path: this.deps.path,
      instance: this.deps.ctx.instanceId,
      roles_added: changes?.rolesAdded ?? [],
      roles_removed: changes?.rolesRemoved ?? [],
      roles_changed: changes?.rolesChanged ?? [],
      changes: changes?.lines ?? [],
    };
  }
}

/** Former roles plus these (the latest definition of a name wins). */
function withFormerRoles(former: Readonly<Record<string, RoleDef>> | undefined, removed: RoleDef[]): Record<string, RoleDef> {
  const roles = byName<RoleDef>();
  Object.assign(roles, former ?? {});
  for (const role of removed) roles[role.name] = role;
  return roles;
}

function heading(ctx: AppContext, hash: string, previous: string | null, trigger: ReloadTrigger, path: string): string {
  return `${path} is in force on ${ctx.instanceId} (${trigger}): sha256 ${short(hash)}${previous ? `, was ${short(previous)}` : ''}.`;
}

/** The audit channel's summary: what changed, one line each (the audit event has the full hashes and every line). */
export function summaryText(ctx: AppContext, hash: string, previous: string, trigger: ReloadTrigger, path: string, changes: PolicyChanges): string {
  const lines = changes.lines.length > 0 ? changes.lines : ['no rule changed (comments or formatting only)'];
  return [
    heading(ctx, hash, previous, trigger, path),
    ...lines.slice(0, LINES_POSTED).map((line) => `• ${line}`),
    ...(lines.length > LINES_POSTED ? [`… and ${lines.length - LINES_POSTED} more in the audit log (policy.loaded)`] : []),
  ].join('\n');
}

/** The first 12 hex digits: enough to tell policies apart in chat (the audit keeps all 64). */
const short = (hash: string): string => hash.slice(0, 12);
const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
