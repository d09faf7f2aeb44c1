/** The playground page's mrkdwn renderer: Slack's markup becomes HTML, and nothing in a message becomes markup it was not. */
import { describe, expect, it } from 'vitest';
import { mrkdwnToHtml, plainToHtml } from '../../../playground/web/mrkdwn.js';

const names = { user: (id: string) => ({ U0BOB: 'bob' })[id], channel: (id: string) => ({ C0APPROVALS: 'approvals' })[id] };

describe('mrkdwn on the playground page', () => {
  it('keeps what people typed as text: escaped HTML stays escaped, quotes included', () => {
    const html = mrkdwnToHtml('reason: &lt;script&gt;alert("x")&lt;/script&gt; &amp; more', names);
    expect(html).toBe('reason: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(plainToHtml('<b>hi</b>\nthere')).toBe('&lt;b&gt;hi&lt;/b&gt;<br>there');
  });

  it('links only to http(s) and mailto', () => {
    expect(mrkdwnToHtml('<https://example.com/a?b=1&amp;c=2|the runbook>', names)).toBe('<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the runbook</a>');
    expect(mrkdwnToHtml('<javascript:alert(1)|click>', names)).toContain('href="#"');
  });

  it('draws bold, italic, strike, code, code blocks and quotes', () => {
    expect(mrkdwnToHtml('*demo* on `demo-system`, _soon_ ~never~', names)).toBe('<strong>demo</strong> on <code>demo-system</code>, <em>soon</em> <del>never</del>');
    expect(mrkdwnToHtml('```a *b*```', names)).toBe('<pre>a *b*</pre>');
    expect(mrkdwnToHtml('Reason\n&gt; checking the dashboard', names)).toBe('Reason<br><blockquote>checking the dashboard</blockquote>');
  });

  it('names people and channels, and shows Slack dates in the reader’s zone with the fallback as a tooltip', () => {
    expect(mrkdwnToHtml('waiting for <@U0BOB> in <#C0APPROVALS>', names)).toBe('waiting for <span class="mention" data-user="U0BOB">@bob</span> in <span class="mention">#approvals</span>');
    const html = mrkdwnToHtml('until <!date^1767600000^{date_num}|Mon, 5 Jan 2026, 09:00 CET>', names);
    expect(html).toContain('<time datetime="2026-01-05T08:00:00.000Z" title="Mon, 5 Jan 2026, 09:00 CET">');
    expect(html).toMatch(/>2026-01-0[45]<\/time>$/);
  });
});
