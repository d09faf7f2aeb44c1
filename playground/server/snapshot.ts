/** What one playground user sees right now, as plain JSON for the page. */
import type { EmulatedMessage } from '../slack-emulator/index.ts';
import type { DemoSystemState } from './demo-state.ts';
import type { AckReply, Playground } from './playground.ts';

export interface SnapshotMessage {
  ts: string;
  text: string;
  blocks: unknown[] | null;
  edited: boolean;
  replies: SnapshotMessage[];
}

export interface SnapshotConversation {
  id: string;
  name: string;
  kind: 'channel' | 'dm';
  messages: SnapshotMessage[];
  /** Answers only this user sees here (ephemeral), oldest first. */
  private: { ts: string; text: string; blocks: unknown[] | null }[];
}

export interface PlaygroundSnapshot {
  me: string;
  bot: { id: string; name: string };
  people: { id: string; name: string; realName: string; email: string | null; kinds: string[] }[];
  conversations: SnapshotConversation[];
  home: Record<string, unknown> | null;
  modal: Record<string, unknown> | null;
  demo: DemoSystemState | null;
  now: number;
}

function toMessage(message: EmulatedMessage, replies: EmulatedMessage[]): SnapshotMessage {
  return {
    ts: message.ts,
    text: message.text,
    blocks: message.blocks ?? null,
    edited: message.history.length > 1,
    replies: replies.map((r) => toMessage(r, [])),
  };
}

export function snapshotFor(playground: Playground, userId: string, extra: { acks: AckReply[]; modal: Record<string, unknown> | null; demo: DemoSystemState | null }): PlaygroundSnapshot {
  const emu = playground.emulator;
  const dm = emu.imChannel(userId);
  const privately = (channel: string) =>
    [
      ...emu.ephemerals.filter((e) => e.user === userId && e.channel === channel && !e.deleteOriginal).map((e) => ({ ts: e.ts, text: e.text, blocks: e.blocks ?? null })),
      ...extra.acks.filter((a) => a.channel === channel).map((a) => ({ ts: a.ts, text: a.text, blocks: a.blocks ?? null })),
    ].sort((a, b) => Number(a.ts) - Number(b.ts));
  const conversation = (id: string, name: string, kind: 'channel' | 'dm'): SnapshotConversation => {
    const all = emu.messages(id);
    const top = all.filter((m) => m.threadTs === null || m.threadTs === m.ts);
    return { id, name, kind, messages: top.map((m) => toMessage(m, all.filter((r) => r.threadTs === m.ts && r.ts !== m.ts))), private: privately(id) };
  };
  const { approvals, audit, general } = playground.channels;
  const channelName = (id: string) => emu.channels.find((c) => c.id === id)?.name ?? id;
  return {
    me: userId,
    bot: { id: emu.bot.userId, name: emu.bot.name },
    people: playground.people.map((p) => ({ id: p.user.id, name: p.user.name, realName: p.user.realName ?? p.user.name, email: p.user.email ?? null, kinds: p.kinds })),
    conversations: [
      // One policy may use one channel for both approvals and audit: shown once.
      ...[...new Set([approvals, audit, general])].map((id) => conversation(id, channelName(id), 'channel')),
      conversation(dm, emu.bot.name, 'dm'),
    ],
    home: emu.homeView(userId) ?? null,
    modal: extra.modal,
    demo: extra.demo,
    now: Date.now(),
  };
}
