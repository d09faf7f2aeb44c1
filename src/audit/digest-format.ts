/**
 * The digest for people and machines. `markdown` is what the chat post carries (bold, headings-as-bold and
 * "- " lists only, no tables, so the Slack renderer and Teams both show it); `text` is the same content for a
 * terminal; `json` is the data. Every list is cut so that each section stays well under Slack's 3,000
 * characters, ending with "…and N more" and where to read the rest — the same cut in markdown and text, so
 * `accessbot audit digest` prints what the channel got. Times are shown in the policy's timezone.
 */
import { formatDuration } from '../domain/duration.ts';
import { isLateRevoke } from '../domain/thresholds.ts';
import type { Digest, DigestAlert, DigestAlertKind, DigestDenial, DigestGrant, DigestList } from './digest.ts';
import { clockTime, localDateKey, longTime, shortTime } from './zoned-time.ts';
import type { DigestWait } from './digest-waiting.ts';

export type DigestFormat = 'text' | 'markdown' | 'json';
export const DIGEST_FORMATS: readonly DigestFormat[] = ['text', 'markdown', 'json'];

/** Markdown characters per section at most (Slack allows 3,000 per block; escaping `&` adds a little). */
export const SECTION_BUDGET = 2_600;
const REASON_MAX = 80;
const NOTE_MAX = 80;
const ERROR_MAX = 120;

export function digestTitle(digest: Digest): string {
  return digest.label ? `Access digest ${digest.label}` : 'Access digest';
}

export function formatDigest(digest: Digest, format: DigestFormat): string {
  if (format === 'json') return JSON.stringify(digest, isoTimes, 2);
  const sections = layout(digest);
  const window = `${longTime(digest.since, digest.timezone)} → ${longTime(digest.until, digest.timezone)} (${digest.timezone})`;
  if (format === 'markdown') {
    return [`_${window}_`, ...sections.map((s) => renderMarkdown(s))].join('\n\n');
  }
  return `${digestTitle(digest)}\n${window}\n\n${sections.map((s) => renderText(s)).join('\n\n')}`;
}

interface Section {
  heading: string;
  /** Plain lines under the heading (not cut). */
  intro: string[];
  /** List items as markdown and as text, in order. */
  items: { markdown: string; text: string }[];
  /** Items left out of `items`, and where to read them. */
  omitted: number;
  more?: string;
}

function layout(digest: Digest): Section[] {
  const tz = digest.timezone;
  const more = `see \`accessbot audit export --since ${iso(digest.since)}\``;
  const sections: Section[] = [summary(digest)];
  const add = <T>(heading: string, list: DigestList<T>, line: (item: T) => Line): void => {
    if (list.total === 0) return;
    sections.push(fit(heading, list, line, more));
  };
  add('Needs review: break-glass activations', digest.breakGlass, (g) => breakGlassLine(g, tz));
  add('Alerts', digest.alerts, (a) => alertLine(a, tz));
  add(`Late revokes (more than 5 s after expiry)`, digest.lateRevokes, (g) => lateLine(g, tz));
  add('Who had access', digest.grants, (g) => grantLine(g, tz));
  add('Denied requests', digest.denials, (d) => denialLine(d, tz));
  add('Longest waits for a decision', digest.waiting.longest, (w) => waitLine(w, tz));
  add('Lapsed without any review', digest.waiting.lapsedUnreviewed, (w) => waitLine(w, tz));
  sections.push(anchor(digest));
  return sections;
}

/** One list item in markdown; its `**bold**` parts become plain in text. */
type Line = string;

/** As many items as fit the section budget, keeping room for the "…and N more" line when some are left out. */
function fit<T>(heading: string, list: DigestList<T>, line: (item: T) => Line, more: string): Section {
  const items: Section['items'] = [];
  let used = heading.length + 5;
  const reserve = 40 + more.length;
  for (const [index, item] of list.items.entries()) {
    const markdown = `- ${line(item)}`;
    const last = index === list.items.length - 1 && list.total === list.items.length;
    if (used + markdown.length + 1 + (last ? 0 : reserve) > SECTION_BUDGET) break;
    used += markdown.length + 1;
    items.push({ markdown, text: `  - ${markdown.slice(2).replace(/\*\*/g, '')}` });
  }
  return { heading, intro: [], items, omitted: list.total - items.length, more };
}

function renderMarkdown(section: Section): string {
  const lines = [`**${section.heading}**`, ...section.intro, ...section.items.map((i) => i.markdown)];
  if (section.omitted > 0) lines.push(`- …and ${section.omitted} more (${section.more ?? ''})`);
  return lines.join('\n');
}

function renderText(section: Section): string {
  const lines = [section.heading.toUpperCase(), ...section.intro.map((l) => `  ${l.replace(/\*\*/g, '')}`), ...section.items.map((i) => i.text)];
  if (section.omitted > 0) lines.push(`  - …and ${section.omitted} more (${(section.more ?? '').replace(/`/g, '')})`);
  return lines.join('\n');
}

function summary(digest: Digest): Section {
  const { requests: r, grants: g } = digest.totals;
  const intro: string[] = [];
  if (digest.totals.events === 0 && g.held === 0) {
    intro.push('No access activity in this period.');
    return { heading: 'Summary', intro, items: [], omitted: 0 };
  }
  const requestParts = [
    count(r.approved, 'approved'),
    count(r.autoApproved, 'auto-approved'),
    count(r.breakGlass, 'break-glass'),
    count(r.denied, 'denied'),
    count(r.cancelled, 'cancelled'),
    count(r.expired, 'expired unanswered'),
  ].filter(Boolean);
  const items: Section['items'] = [];
  const item = (markdown: string): void => void items.push({ markdown: `- ${markdown}`, text: `  - ${markdown.replace(/\*\*/g, '')}` });
  item(`**Requests:** ${r.filed} filed${r.extensions ? `, ${plural(r.extensions, 'extension', 'extensions')} asked for` : ''}${requestParts.length ? ` · decisions: ${requestParts.join(', ')}` : ''}`);
  const grantParts = [
    count(g.endedAtExpiry, 'ended at expiry'),
    count(g.revokedEarly, 'revoked early'),
    count(g.stillActive, 'still active'),
    count(g.extended, 'extended'),
  ].filter(Boolean);
  item(`**Access:** ${plural(g.held, 'grant held access', 'grants held access')}${g.carried ? ` (${g.carried} from before this period)` : ''}${grantParts.length ? `: ${grantParts.join(', ')}` : ''}${g.failed ? `; ${plural(g.failed, 'grant failed', 'grants failed')}` : ''}`);
  const attention = [
    digest.breakGlass.total ? plural(digest.breakGlass.total, 'break-glass activation to review', 'break-glass activations to review') : '',
    g.lateRevokes ? plural(g.lateRevokes, 'late revoke') : '',
    digest.totals.alerts ? plural(digest.totals.alerts, 'alert') : '',
  ].filter(Boolean);
  item(`**Attention:** ${attention.length ? attention.join(', ') : 'nothing'}`);
  return { heading: 'Summary', intro, items, omitted: 0 };
}

function anchor(digest: Digest): Section {
  const head = digest.head;
  const intro = head
    ? [
        `Last event before the end of the period: #${head.seq} at ${shortTime(head.at, digest.timezone)}, sha256 \`${head.hash}\``,
        `${plural(digest.totals.events, 'event')} in this period. Check the chain with \`accessbot audit verify\`; print this digest again with \`accessbot audit digest --since ${iso(digest.since)} --until ${iso(digest.until)}\`.`,
      ]
    : ['The audit log was empty at the end of the period.'];
  return { heading: 'Audit log anchor', intro, items: [], omitted: 0 };
}

function grantLine(g: DigestGrant, tz: string): Line {
  const parts = [`**${g.ref}** ${who(g.requester)}: ${g.role} on ${g.resource}`, `${span(g, tz)}`, approval(g), ending(g, tz)];
  if (g.extensions) parts.push(`extended ${g.extensions}×`);
  parts.push(why(g.reason, g.ticket));
  if (g.activity) parts.push(`activity: ${clip(g.activity, 120)}${g.activityLines?.length ? ` (${g.activityLines.map((line) => `“${clip(line, 80).replace(/\*\*/g, '*')}”`).join(', ')})` : ''}`);
  if (g.actionsRun?.length) parts.push(`actions run: ${g.actionsRun.map((line) => clip(line, 60)).join(', ')}`);
  return parts.filter(Boolean).join(' · ');
}

function breakGlassLine(g: DigestGrant, tz: string): Line {
  return [`**${g.ref}** ${who(g.requester)}: ${g.role} on ${g.resource}`, `activated ${shortTime(g.createdAt, tz)}`, ending(g, tz), why(g.reason, g.ticket)].filter(Boolean).join(' · ');
}

function lateLine(g: DigestGrant, tz: string): Line {
  const expiry = g.expiresAt === null ? 'expiry' : `expiry ${shortTime(g.expiresAt, tz)}`;
  return `**${g.ref}** ${who(g.requester)}: ${g.role} on ${g.resource} · ${expiry} · access ended ${formatDuration(g.lateMs ?? 0)} late`;
}

const ALERT_LABEL: Record<DigestAlertKind, string> = {
  grant_failed: 'Grant failed',
  revoke_failed: 'Revoke failed',
  revoke_overdue: 'Revoke overdue',
  orphan: 'Orphaned access',
  drift: 'Drift',
};

function alertLine(a: DigestAlert, tz: string): Line {
  const subject = [a.ref ? `**${a.ref}**` : '', a.requester ? who(a.requester) : '', a.role && a.resource ? `${a.role} on ${a.resource}` : (a.resource ?? '')].filter(Boolean).join(' ');
  return `${ALERT_LABEL[a.kind]} ${shortTime(a.at, tz)}${subject ? ` · ${subject}` : ''} · ${clip(a.detail, ERROR_MAX + 80)}`;
}

function denialLine(d: DigestDenial, tz: string): Line {
  const what = d.kind === 'extend' ? `extension of ${d.role} on ${d.resource}` : `${d.role} on ${d.resource}`;
  const because = d.note ? `: “${clip(d.note, NOTE_MAX)}”` : ' (no reason given)';
  return `**${d.ref}** ${who(d.requester)}: ${what} · denied by ${who(d.deniedBy)} ${shortTime(d.at, tz)}${because}${d.reason ? ` · asked for “${clip(d.reason, REASON_MAX)}”` : ''}`;
}

function waitLine(w: DigestWait, tz: string): Line {
  const nudges = [w.reminders ? plural(w.reminders, 'reminder') : '', w.escalated ? 'escalated' : '', w.expedited ? 'marked urgent' : ''].filter(Boolean).join(', ');
  return `**${w.ref}** ${who(w.requester)}: ${w.role} · waited ${formatDuration(w.waitedMs)} (filed ${shortTime(w.createdAt, tz)}) · ${w.outcome}${nudges ? ` · ${nudges}` : ''}`;
}

/** "27 Nov, 09:12 → 09:42 (30m)", "before … → …", or "27 Nov, 09:12 → still active (until 11:00)". */
function span(g: DigestGrant, tz: string): string {
  const start = g.startedAt ?? g.createdAt;
  const from = shortTime(start, tz);
  if (g.endedAt === null) {
    if (g.outcome === 'revoking') return `${from} → revoke pending`;
    return `${from} → still active${g.expiresAt !== null ? ` (until ${sameDay(start, g.expiresAt, tz) ? clockTime(g.expiresAt, tz) : shortTime(g.expiresAt, tz)})` : ''}`;
  }
  const to = sameDay(start, g.endedAt, tz) ? clockTime(g.endedAt, tz) : shortTime(g.endedAt, tz);
  return `${from} → ${to} (${formatDuration(g.endedAt - start)})`;
}

function approval(g: DigestGrant): string {
  switch (g.approval) {
    case 'approved':
      return g.approvers.length ? `approved by ${g.approvers.map(who).join(', ')}` : 'approved';
    case 'auto_approved':
      return 'auto-approved';
    case 'break_glass':
      return '**break-glass** (no approval)';
    default:
      return '';
  }
}

function ending(g: DigestGrant, tz: string): string {
  switch (g.outcome) {
    case 'expired':
      return g.lateMs !== null && isLateRevoke(g.lateMs) ? `expired, ended ${formatDuration(g.lateMs)} late` : 'expired';
    case 'revoked_early':
      return `revoked early by ${who(g.revokedBy ?? '?')}${g.revokeNote ? ` (“${clip(g.revokeNote, NOTE_MAX)}”)` : ''}`;
    case 'revoked':
      return 'revoked';
    case 'failed':
      return `failed${g.lastError ? ` (${clip(g.lastError, ERROR_MAX)})` : ''}`;
    case 'revoking':
      return g.revokeRequestedAt !== null ? `revoke asked ${shortTime(g.revokeRequestedAt, tz)}` : 'revoking';
    case 'granting':
      return 'not active yet';
    default:
      return '';
  }
}

function why(reason: string | null, ticket: string | null): string {
  const parts = [reason ? `why: “${clip(reason, REASON_MAX)}”` : '', ticket ? `ticket ${clip(ticket, 40)}` : ''].filter(Boolean);
  return parts.join(', ');
}

/** How the audit log names people: `system` is the bot, `cli:NAME` someone at the command line. */
function who(actor: string): string {
  if (actor === 'system') return 'accessbot';
  if (actor.startsWith('cli:')) return `${actor.slice(4)} (command line)`;
  return actor;
}

/** One line, at most `max` characters. */
function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join('')}…`;
}

/** "2026-11-26T08:00:00Z" */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function sameDay(a: number, b: number, tz: string): boolean {
  return localDateKey(a, tz) === localDateKey(b, tz);
}

function count(n: number, what: string): string {
  return n ? `${n} ${what}` : '';
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const TIME_KEYS = new Set(['since', 'until', 'at', 'createdAt', 'startedAt', 'endedAt', 'expiresAt', 'revokeRequestedAt']);

function isoTimes(this: unknown, key: string, value: unknown): unknown {
  return TIME_KEYS.has(key) && typeof value === 'number' ? new Date(value).toISOString() : value;
}
