/** Teams Markdown for the chat layer's rich text: what people typed stays inert; mentions carry their entity. */
import { describe, expect, it } from 'vitest';
import { bold, code, link, mention, rich, text } from '../../../src/chat/index.ts';
import { toTeamsMarkdown } from '../../../adapters/teams/render/markdown.ts';
import { renderAnswer } from '../../../adapters/teams/render/card.ts';
import { typedText } from '../../../adapters/teams/handlers/message.ts';
import type { TurnContext } from 'botbuilder';

describe('Teams Markdown', () => {
  it('escapes formatting, links and tags in what people typed', () => {
    const { text: out } = toTeamsMarkdown(rich(text('**boss** [click](https://evil.example) <at>everyone</at> _x_')));
    expect(out).toBe('\\*\\*boss\\*\\* \\[click\\](https://evil.example) \\<at\\>everyone\\</at\\> \\_x\\_');
  });

  it('keeps a typed line from becoming a list item, and breaks lines the way Teams shows them', () => {
    expect(toTeamsMarkdown(rich(text('why:\n- one\n1. two'))).text).toBe('why:\n\n\\- one\n\n\\1. two');
  });

  it('writes bold and code as bold, cut to their max', () => {
    expect(toTeamsMarkdown(rich(bold('readonly'), ' ', code('access', 3))).text).toBe('**readonly** **ac…**');
  });

  it('mentions a Teams user with an entity, and anyone else by name', () => {
    const mentions = toTeamsMarkdown(rich(mention({ teamsId: 'aad-1', name: 'Alice <A>' }), ' and ', mention({ email: 'bob@example.com' }))).mentions;
    expect(toTeamsMarkdown(rich(mention({ teamsId: 'aad-1', name: 'Alice <A>' }))).text).toBe('<at>Alice A</at>');
    expect(mentions).toEqual([{ type: 'mention', text: '<at>Alice A</at>', mentioned: { id: 'aad-1', name: 'Alice A' } }]);
    expect(toTeamsMarkdown(rich(mention({ email: 'bob_x@example.com' }))).text).toBe('**bob\\_x@example.com**');
  });

  it('links only http(s) URLs', () => {
    expect(toTeamsMarkdown(rich(link('https://example.com/a b', 'docs'))).text).toBe('[docs](https://example.com/a%20b)');
    expect(toTeamsMarkdown(rich(link('javascript:alert(1)', 'x'))).text).toBe('x');
  });

  it('answers a plain answer as a Markdown message, with its mentions', () => {
    expect(renderAnswer({ summary: rich('hi ', mention({ teamsId: 'aad-2', name: 'Bob' })), blocks: [] })).toEqual({
      type: 'message',
      text: 'hi <at>Bob</at>',
      textFormat: 'markdown',
      entities: [{ type: 'mention', text: '<at>Bob</at>', mentioned: { id: 'aad-2', name: 'Bob' } }],
    });
  });
});

describe('typed commands', () => {
  const context = (text: string, entities: unknown[] = []) => ({ activity: { text, entities, recipient: { id: '28:bot' } } }) as unknown as TurnContext;

  it('reads the words without the bot mention and the markup Teams wraps them in', () => {
    expect(typedText(context('<p>request-access&nbsp;readonly 30m a &amp; b</p>'))).toBe('request-access readonly 30m a & b');
    expect(typedText(context('<at>accessbot</at> access', [{ type: 'mention', text: '<at>accessbot</at>', mentioned: { id: '28:bot' } }]))).toBe('access');
  });
});
