/** A ChatPort that records what the outbox delivers to it, for tests of the core. */
import type { ChatPort, Notice } from '../../src/app/ports.ts';

export class RecordingPort implements ChatPort {
  readonly notices: Notice[] = [];
  constructor(readonly platform = 'slack') {}

  deliver(notice: Notice): Promise<void> {
    this.notices.push(notice);
    return Promise.resolve();
  }

  /** The notices of one type, in delivery order. */
  of<T extends Notice['type']>(type: T): Extract<Notice, { type: T }>[] {
    return this.notices.filter((n): n is Extract<Notice, { type: T }> => n.type === type);
  }

  /** The texts of audit-channel alerts, of one code when given. */
  alerts(code?: string): string[] {
    return this.of('audit.alert').flatMap((n) => (code === undefined || n.code === code ? [n.text] : []));
  }
}
