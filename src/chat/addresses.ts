/**
 * Where a platform can reach a conversation or a person proactively, and what it knows about its users: small
 * JSON records in the store's key-value table (`<platform>:address:<key>`), never only in memory, so after a
 * restart and on every replica a card or a private message still finds its way. Teams keeps its conversation
 * references here (the approvals and audit channels, each person's personal chat) and the user records that
 * map an Entra ID object id to the id Teams addresses the person by. The adapter owns what a record says; this
 * only stores, reads and lists them. A record equal to the stored one is not written again.
 */
import type { AppContext } from '../app/context.ts';

export class ChatAddresses {
  private readonly prefix: string;

  constructor(
    private readonly ctx: Pick<AppContext, 'store' | 'clock'>,
    platform: string,
  ) {
    this.prefix = `${platform}:address:`;
  }

  /** The record under `key`, or null when there is none or it is unreadable. */
  async get(key: string): Promise<unknown> {
    return parse(await this.ctx.store.kvGet(this.prefix + key));
  }

  /** Store `value` under `key` (written only when it differs from what is stored). */
  async put(key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    if ((await this.ctx.store.kvGet(this.prefix + key)) === text) return;
    const now = this.ctx.clock.now();
    await this.ctx.store.tx((uow) => uow.kvPut(this.prefix + key, text, now));
  }

  async delete(key: string): Promise<void> {
    await this.ctx.store.tx((uow) => uow.kvDelete(this.prefix + key));
  }

  /** Every readable record whose key starts with `prefix` (keys returned without the platform's prefix). */
  async list(prefix: string): Promise<{ key: string; value: unknown }[]> {
    const rows = await this.ctx.store.kvList(this.prefix + prefix);
    return rows.flatMap((row) => {
      const value = parse(row.value);
      return value === null ? [] : [{ key: row.key.slice(this.prefix.length), value }];
    });
  }
}

function parse(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
