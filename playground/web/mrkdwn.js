/**
 * Slack mrkdwn → safe HTML: the text is HTML-escaped first, then Slack's markup is applied (*bold*, _italic_,
 * ~strike~, `code`, ```blocks```, > quotes, <links|text>, <@U…> mentions, <#C…> channels and <!date^…> dates,
 * which show in the reader's own time zone as Slack does).
 */

const escapeHtml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Slack text arrives with &, < and > escaped as entities; undo that before escaping for HTML. */
const unslack = (text) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

const pad = (n) => String(n).padStart(2, '0');

/** Slack's date tokens, rendered in the browser's time zone. */
export function formatSlackDate(seconds, format) {
  const date = new Date(seconds * 1000);
  const locale = undefined;
  const today = new Date();
  const dayDiff = Math.round((new Date(date.toDateString()) - new Date(today.toDateString())) / 86_400_000);
  const pretty = (style) =>
    dayDiff === 0 ? 'today' : dayDiff === 1 ? 'tomorrow' : dayDiff === -1 ? 'yesterday' : date.toLocaleDateString(locale, style);
  const tokens = {
    '{date_num}': `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`,
    '{date}': date.toLocaleDateString(locale, { year: 'numeric', month: 'long', day: 'numeric' }),
    '{date_short}': date.toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' }),
    '{date_long}': date.toLocaleDateString(locale, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' }),
    '{date_pretty}': pretty({ year: 'numeric', month: 'long', day: 'numeric' }),
    '{date_short_pretty}': pretty({ year: 'numeric', month: 'short', day: 'numeric' }),
    '{date_long_pretty}': pretty({ weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' }),
    '{time}': date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' }),
    '{time_secs}': date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' }),
  };
  return format.replace(/\{[a-z_]+\}/g, (token) => tokens[token] ?? token);
}

/** One `<…>` control sequence as HTML. */
function control(inner, names) {
  const [target, label] = splitOnce(inner, '|');
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return `<span class="mention" data-user="${escapeHtml(id)}">@${escapeHtml(names.user(id) ?? label ?? id)}</span>`;
  }
  if (target.startsWith('#')) return `<span class="mention">#${escapeHtml(names.channel(target.slice(1)) ?? label ?? target.slice(1))}</span>`;
  if (target.startsWith('!date^')) {
    const [, seconds, format] = target.split('^');
    const when = Number(seconds);
    if (!Number.isFinite(when)) return escapeHtml(unslack(label ?? ''));
    return `<time datetime="${new Date(when * 1000).toISOString()}" title="${escapeHtml(unslack(label ?? ''))}">${escapeHtml(formatSlackDate(when, format ?? '{date_short_pretty} {time}'))}</time>`;
  }
  if (target.startsWith('!')) return `<span class="mention">@${escapeHtml(target.slice(1).split('^')[0])}</span>`;
  const url = unslack(target);
  const safe = /^(https?:|mailto:)/i.test(url) ? url : '#';
  return `<a href="${escapeHtml(safe)}" target="_blank" rel="noopener noreferrer">${escapeHtml(unslack(label ?? target))}</a>`;
}

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** Inline markup on already-escaped text. */
function inline(html) {
  return html
    .replace(/(^|[\s(])\*(?!\s)([^*\n]+?)\*(?=$|[\s).,:;!?])/g, '$1<strong>$2</strong>')
    .replace(/(^|[\s(])_(?!\s)([^_\n]+?)_(?=$|[\s).,:;!?])/g, '$1<em>$2</em>')
    .replace(/(^|[\s(])~(?!\s)([^~\n]+?)~(?=$|[\s).,:;!?])/g, '$1<del>$2</del>');
}

/** `names`: { user(id) → display name, channel(id) → name }. */
export function mrkdwnToHtml(text, names) {
  const held = [];
  const hold = (html) => `\u0000${held.push(html) - 1}\u0000`;
  let work = String(text ?? '');
  work = work.replace(/```([\s\S]*?)```/g, (_m, code) => hold(`<pre>${escapeHtml(unslack(code))}</pre>`));
  work = work.replace(/`([^`\n]+)`/g, (_m, code) => hold(`<code>${escapeHtml(unslack(code))}</code>`));
  work = work.replace(/<([^<>\n]+)>/g, (_m, inner) => hold(control(inner, names)));
  const lines = escapeHtml(unslack(work)).split('\n');
  const out = lines.map((line) => {
    const quote = /^&gt;\s?(.*)$/.exec(line);
    return quote ? `<blockquote>${inline(quote[1])}</blockquote>` : inline(line);
  });
  // eslint-disable-next-line no-control-regex
  return out.join('<br>').replace(/<\/blockquote><br>/g, '</blockquote>').replace(/\u0000(\d+)\u0000/g, (_m, i) => held[Number(i)]);
}

export function plainToHtml(text) {
  return escapeHtml(String(text ?? '')).replace(/\n/g, '<br>');
}

/** A text object ({type: plain_text|mrkdwn, text}) as HTML. */
export function textObject(object, names) {
  if (!object) return '';
  return object.type === 'mrkdwn' ? mrkdwnToHtml(object.text, names) : plainToHtml(object.text);
}

export { escapeHtml };
