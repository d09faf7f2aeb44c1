/** The emulated workspace directory: users, channels, DMs and user groups, and how Slack resolves them. */
import { SlackApiError } from './errors.ts';
import type { EmulatedChannel, EmulatedUser, EmulatedUsergroup } from './types.ts';

export class Workspace {
  private readonly users = new Map<string, EmulatedUser>();
  private readonly channels = new Map<string, EmulatedChannel>();
  private readonly usergroups = new Map<string, EmulatedUsergroup>();
  /** user id → IM channel id, and back. */
  private readonly imByUser = new Map<string, string>();
  private readonly userByIm = new Map<string, string>();

  constructor(users: EmulatedUser[], channels: EmulatedChannel[], usergroups: EmulatedUsergroup[]) {
    for (const u of users) this.users.set(u.id, u);
    for (const c of channels) this.channels.set(c.id, c);
    for (const g of usergroups) this.usergroups.set(g.id, g);
  }

  user(id: string): EmulatedUser | undefined {
    return this.users.get(id);
  }

  listUsers(): EmulatedUser[] {
    return [...this.users.values()];
  }

  listChannels(): EmulatedChannel[] {
    return [...this.channels.values()];
  }

  userByEmail(email: string): EmulatedUser | undefined {
    const wanted = email.trim().toLowerCase();
    return [...this.users.values()].find((u) => u.email?.toLowerCase() === wanted && !u.deleted);
  }

  usergroup(id: string): EmulatedUsergroup | undefined {
    return this.usergroups.get(id);
  }

  /** The bot's DM with a user, created on first use like conversations.open does. */
  openIm(userId: string): string {
    const user = this.users.get(userId);
    if (!user || user.deleted) throw new SlackApiError('user_not_found');
    let im = this.imByUser.get(userId);
    if (!im) {
      im = `D${userId.replace(/^[UW]/, '').padStart(8, '0').toUpperCase()}`;
      this.imByUser.set(userId, im);
      this.userByIm.set(im, userId);
    }
    return im;
  }

  imUser(channelId: string): string | undefined {
    return this.userByIm.get(channelId);
  }

  /**
   * Resolve a `channel` argument as chat.postMessage does: a channel id, a DM id, a user id (posts to the
   * bot's DM with that user) or a channel name with or without "#".
   */
  resolveChannel(raw: unknown, forPosting: boolean): string {
    if (typeof raw !== 'string' || raw === '') throw new SlackApiError('channel_not_found');
    if (this.userByIm.has(raw)) return raw;
    if (/^[UW][A-Z0-9]+$/.test(raw) && this.users.has(raw)) return this.openIm(raw);
    const byId = this.channels.get(raw);
    const byName = byId ?? [...this.channels.values()].find((c) => c.name === raw.replace(/^#/, ''));
    if (!byName) throw new SlackApiError('channel_not_found');
    if (forPosting && byName.botIsMember === false) throw new SlackApiError('not_in_channel');
    return byName.id;
  }

  /** May this user see an ephemeral message in this channel? */
  canSeeEphemeral(channelId: string, userId: string): boolean {
    const imUser = this.userByIm.get(channelId);
    if (imUser) return imUser === userId;
    const members = this.channels.get(channelId)?.members;
    return members === undefined || members.includes(userId);
  }
}
