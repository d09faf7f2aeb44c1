/**
 * A role's waiting rules (reminders, escalation, expedite hook) from its own keys and the policy's `defaults`:
 * a key the role sets (false included) wins over the default. The rules that relate these keys to each other
 * and to the role's request_ttl and approvers live here; each finding is reported where the value was written.
 */
import { formatDuration, parseDuration } from '../domain/duration.ts';
import type { WaitingRules } from '../domain/waiting.ts';
import { readEnvRefs } from './env-refs.ts';
import type { Finding, PathSegment } from './problems.ts';
import type { GroupResolver } from './resolve-groups.ts';
import type { RawWaiting } from './waiting-schema.ts';

const MIN_REMIND_MS = 60_000;
const MIN_SECRET_CHARS = 16;

export interface WaitingContext {
  defaults: RawWaiting | undefined;
  /** The role's path, e.g. ['roles', 'prod-db']. */
  at: PathSegment[];
  requestTtlMs: number | undefined;
  groupResolver: GroupResolver;
  env: Readonly<Record<string, string | undefined>>;
  requireEnv: boolean;
  errors: Finding[];
  warnings: Finding[];
}

type Key = keyof RawWaiting;

/** A default's problem is found once per role that uses it: say it once. */
function add(list: Finding[], finding: Finding): void {
  const at = finding.at.join('\u0000');
  if (!list.some((f) => f.message === finding.message && f.at.join('\u0000') === at)) list.push(finding);
}

/** The rules, or undefined when the role and the defaults set none. Problems go to ctx.errors / ctx.warnings. */
export function resolveWaiting(role: RawWaiting, ctx: WaitingContext): WaitingRules | undefined {
  const pick = <K extends Key>(key: K): { value: RawWaiting[K]; at: PathSegment[] } =>
    role[key] !== undefined ? { value: role[key], at: [...ctx.at, key] } : { value: ctx.defaults?.[key], at: ['defaults', key] };
  const remind = pick('remind_after');
  const escalate = pick('escalate_after');
  const escalation = pick('escalation');
  const hook = pick('expedite_webhook');
  if (remind.value === undefined && escalate.value === undefined && escalation.value === undefined && hook.value === undefined) return undefined;

  const ms = (text: string | false | undefined): number | null => (typeof text === 'string' ? (parseDuration(text) ?? null) : null);
  const remindAfterMs = ms(remind.value);
  const escalateAfterMs = ms(escalate.value);
  const ttl = ctx.requestTtlMs;
  const show = formatDuration;

  if (remindAfterMs !== null && remindAfterMs < MIN_REMIND_MS) add(ctx.errors, { at: remind.at, message: `${show(remindAfterMs)} is too often to remind people (at least 1m)` });
  else if (remindAfterMs !== null && ttl !== undefined && remindAfterMs >= ttl) {
    add(ctx.warnings, { at: remind.at, message: `${show(remindAfterMs)} is not shorter than the role's request_ttl (${show(ttl)}), so requests lapse before anyone is reminded` });
  }

  let resolvedEscalation: WaitingRules['escalation'] = null;
  if (escalation.value) {
    const expanded = ctx.groupResolver.expand(escalation.value.approvers, [...escalation.at, 'approvers']);
    if (expanded.complete && expanded.members.size === 0) add(ctx.errors, { at: [...escalation.at, 'approvers'], message: 'nobody to escalate to (the list is empty once groups are expanded)' });
    const channel = escalation.value.channel;
    resolvedEscalation = { approvers: expanded.members, ...(channel && { channel: { ...(channel.slack && { slack: channel.slack }), ...(channel.teams && { teams: channel.teams }) } }) };
  }
  if (escalateAfterMs !== null && !escalation.value) {
    add(ctx.errors, { at: escalate.at, message: 'escalate_after needs escalation.approvers: whom should a waiting request escalate to?' });
  } else if (escalation.value && escalate.value === undefined) {
    add(ctx.warnings, { at: escalation.at, message: 'escalation is set but escalate_after is not, so requests never escalate' });
  } else if (escalateAfterMs !== null && ttl !== undefined && escalateAfterMs >= ttl) {
    add(ctx.warnings, { at: escalate.at, message: `${show(escalateAfterMs)} is not shorter than the role's request_ttl (${show(ttl)}), so requests lapse before they escalate` });
  }

  let expediteWebhook: WaitingRules['expediteWebhook'] = null;
  if (hook.value) {
    const read = readEnvRefs(hook.value.secret, [...hook.at, 'secret'], ctx.env, { requireEnv: ctx.requireEnv });
    for (const e of read.errors) add(ctx.errors, e);
    for (const w of read.warnings) add(ctx.warnings, w);
    const secret = typeof read.value === 'string' ? read.value : '';
    if (read.unresolved.size === 0 && read.errors.length === 0 && secret.length < MIN_SECRET_CHARS) {
      const from = read.sources.size > 0 ? ' (value of an environment variable, not shown)' : '';
      add(ctx.errors, { at: [...hook.at, 'secret'], message: `must be at least ${MIN_SECRET_CHARS} characters${from} (create one with \`openssl rand -hex 32\`)` });
    }
    expediteWebhook = { url: hook.value.url, secret, timeoutMs: ms(hook.value.timeout) ?? 10_000 };
  }

  return { remindAfterMs, escalateAfterMs: resolvedEscalation ? escalateAfterMs : null, escalation: resolvedEscalation, expediteWebhook };
}
