/**
 * The policy file as written (DESIGN.md §3), before groups are expanded and durations converted.
 * Single-field rules live here; rules that relate fields to each other live in resolve-policy.ts.
 * Every object is strict: an unknown key is an error (the loader adds a "did you mean" hint).
 */
import { z } from 'zod';
import { validate as isCronExpression } from 'node-cron';
import { DURATION_EXAMPLES, isDuration } from '../domain/duration.ts';
import { firstNonAscii } from '../domain/identity.ts';
import { limitsSchema } from './limits-schema.ts';
import { waitingFields } from './waiting-schema.ts';
import { actionsSchema } from './actions-schema.ts';

const show = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value));

/** Names of groups, resources and roles: typed in chat commands, so no spaces; short enough for chat buttons and menus. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const nameProblem = (what: string, input: unknown): string =>
  `${show(input)} is not a valid ${what} name (use at most 64 letters, digits, ".", "-" and "_", no spaces)`;
const name = (what: string) => z.string().regex(NAME_PATTERN, { error: (iss) => nameProblem(what, iss.input) });

/** Loose enough for JSON Schema; parseDuration has the last word. */
export const DURATION_PATTERN = '^(?=[0-9])([0-9]{1,6}[dD])?([0-9]{1,6}[hH])?([0-9]{1,6}[mM])?([0-9]{1,6}[sS])?$';

export const durationText = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : `${show(iss.input)} is not a duration (${DURATION_EXAMPLES})`) })
  .refine(isDuration, { error: (iss) => `${show(iss.input)} is not a duration (${DURATION_EXAMPLES})` })
  .meta({ pattern: DURATION_PATTERN, examples: ['15m', '1h', '1h30m', '1d'], description: 'A duration such as 45s, 30m, 2h, 1h30m or 1d' });

/**
 * Emails are plain ASCII (printable, no spaces): an address that NFKC or IDNA would change, or that only
 * lower-casing turns into another (U+212A KELVIN SIGN → "k"), could name someone else. See canonicalEmail.
 */
export const EMAIL_PATTERN = /^[!-9;-?A-~]+@[!-?A-~]+\.[!-?A-~]+$/;
export const MEMBER_PATTERN = /^(?:[!-9;-?A-~]+@[!-?A-~]+\.[!-?A-~]+|slack:[A-Z0-9]+|teams:\S+|group:[A-Za-z0-9][A-Za-z0-9_.-]*)$/;
const MEMBER_HINT = 'use an email, slack:U123ABC, teams:<id> or group:NAME';

/** JSON-quoted with every character outside printable ASCII escaped, so a look-alike shows as what it is. */
function showEscaped(text: string): string {
  return JSON.stringify(text).replace(/[^ -~]/gu, (char) => `\\u{${char.codePointAt(0)!.toString(16).toUpperCase()}}`);
}

function memberProblem(input: unknown): string {
  if (typeof input === 'string' && /^slack:/i.test(input)) return `${show(input)} is not a Slack user id (Slack ids are upper case, e.g. slack:U0123ABCD)`;
  const foreign = typeof input === 'string' && input.includes('@') && !input.includes(':') ? firstNonAscii(input.trim()) : null;
  if (foreign) {
    return `${showEscaped(input as string)} is not a plain ASCII email (it contains ${foreign}): write emails in ASCII only, since a look-alike character could match someone else's address`;
  }
  return `${show(input)} is not a member (${MEMBER_HINT})`;
}

export const memberText = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : `${show(iss.input)} is not a member (${MEMBER_HINT})`) })
  .regex(MEMBER_PATTERN, { error: (iss) => memberProblem(iss.input) })
  .meta({ description: `A person or group: ${MEMBER_HINT}` });

const memberList = z.array(memberText);

const channelId = z.string().trim().min(1, { error: 'must not be empty (a channel id such as C0123ABCD or 19:…@thread.tacv2)' });
const channelRefs = z.strictObject({ slack: channelId.optional(), teams: channelId.optional() });

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function isRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

const waiting = waitingFields({ durationText, memberText, channelRefs });

export const roleSchema = z.strictObject({
  description: z.string().optional(),
  resource: name('resource'),
  grant: z.record(z.string(), z.unknown()).default({}).meta({ description: "The resource provider's grant parameters" }),
  requesters: memberList.meta({ description: 'Who may request this role' }),
  approvers: memberList.meta({ description: 'Who may approve requests for this role' }),
  approvals_required: z.number().int().min(1).default(1),
  default_duration: durationText.optional().meta({ description: 'Default: the smaller of 1h and max_duration' }),
  max_duration: durationText,
  request_ttl: durationText.default('1h').meta({ description: 'A pending request expires after this' }),
  auto_approve: z.strictObject({ max_duration: durationText }).optional(),
  require_ticket: z
    .union([z.boolean(), z.string().refine(isRegex, { error: (iss) => `${show(iss.input)} is not a valid regular expression` })], {
      error: 'expected true, false or a regular expression such as "^INC-[0-9]+$"',
    })
    .default(false),
  break_glass: z.boolean().default(false).meta({ description: 'Eligible requesters may self-activate; flagged for review' }),
  channels: z
    .strictObject({ approvals: channelRefs })
    .optional()
    .meta({ description: "This role's own approvals channel(s), instead of the policy's channels.approvals" }),
  ...waiting,
  actions: actionsSchema.optional(),
});

const resourceSchema = z
  .looseObject({ provider: z.string().min(1) })
  .meta({ description: 'provider: a provider kind (postgres, webhook, exec); other keys are the provider settings. Values may be env:NAME or env:NAME:-default' });

export const policySchema = z.strictObject({
  version: z.literal(1, { error: 'must be 1 (the only policy format so far)' }),
  timezone: z
    .string()
    .refine(isTimeZone, { error: (iss) => `${show(iss.input)} is not a time zone (use an IANA name such as UTC or Europe/Berlin)` })
    .default('UTC'),
  min_duration: durationText.default('1m'),
  channels: z.strictObject({ approvals: channelRefs.optional(), audit: channelRefs.optional() }).default({}),
  digest: z
    .strictObject({
      schedule: z.string().refine((expr) => isCronExpression(expr), {
        error: (iss) => `${show(iss.input)} is not a cron expression (e.g. "0 9 * * 1-5" for 09:00 on weekdays)`,
      }),
    })
    .optional(),
  limits: limitsSchema(durationText).optional(),
  groups: z.record(name('group'), memberList).default({}),
  defaults: z.strictObject(waiting).optional().meta({ description: "Every role's remind_after, escalate_after, escalation and expedite_webhook unless the role sets its own" }),
  resources: z.record(name('resource'), resourceSchema),
  roles: z.record(name('role'), roleSchema),
});

export type RawPolicy = z.output<typeof policySchema>;
export type RawRole = z.output<typeof roleSchema>;
