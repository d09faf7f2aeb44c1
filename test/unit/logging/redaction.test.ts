import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/logging.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger('info', stream), lines };
}

describe('structured logs', () => {
  it('are JSON and never carry secrets, tokens, passwords, credentials or connection URLs', () => {
    const { log, lines } = capture();
    log.info(
      {
        password: 'p1',
        token: 'xoxb-123',
        grant: { credentials: { password: 'p2' }, secret: 's3' },
        config: { slackBotToken: 'xoxb-456', slackSigningSecret: 'sig', secretKey: 'k' },
        req: { headers: { authorization: 'Bearer xoxb-789' } },
        resource: { url: 'postgres://admin:hunter2@db/x' },
        requestId: 42,
      },
      'granted',
    );
    const text = lines.join('');
    const entry = JSON.parse(text) as Record<string, unknown>;
    expect(entry.msg).toBe('granted');
    expect(entry.requestId).toBe(42);
    for (const secret of ['p1', 'p2', 's3', 'xoxb-123', 'xoxb-456', 'xoxb-789', 'sig', 'hunter2']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });
});
