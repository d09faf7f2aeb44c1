import { describe, expect, it } from 'vitest';
import { checkViewLimits } from '../../../playground/slack-emulator/limits.ts';
import { noticeModal } from '../../../adapters/slack/replies.ts';

describe('noticeModal', () => {
  it('fits Slack even for a long answer (e.g. a refusal listing many roles)', () => {
    const long = `There is no role called "x". Roles you may request: ${Array.from({ length: 600 }, (_, i) => `role-${i}`).join(', ')}.`;
    expect(long.length).toBeGreaterThan(3000);
    const modal = noticeModal({ text: long });
    expect(checkViewLimits(modal)).toBeNull();
    expect(JSON.stringify(modal)).toContain('…');
  });
});
