/**
 * A grant "target" that lives in its own SQLite file, so several processes (and a process that was killed)
 * share one durable view of who holds what. Every call is recorded with its effect, in the same transaction
 * that changes the holding, so the tests can count exactly what reached the target.
 */
import Database from 'better-sqlite3';
import type { ChatPort, Notice } from '../../../src/app/ports.ts';
import type { GrantOutcome, GrantTarget, Provider, RevokeOutcome, VerifyOutcome } from '../../../src/providers/types.ts';

export type TargetEffect = 'created' | 'refreshed' | 'removed' | 'absent' | 'extended';

export interface TargetCall {
  seq: number;
  op: 'grant' | 'revoke' | 'extend';
  grantId: string;
  effect: TargetEffect;
  pid: number;
  at: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS held (grant_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, pid INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS calls (seq INTEGER PRIMARY KEY AUTOINCREMENT, op TEXT NOT NULL, grant_id TEXT NOT NULL, effect TEXT NOT NULL, pid INTEGER NOT NULL, at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS posts (seq INTEGER PRIMARY KEY AUTOINCREMENT, platform TEXT NOT NULL, notice TEXT NOT NULL, pid INTEGER NOT NULL, at INTEGER NOT NULL);
`;

function open(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  db.exec(SCHEMA);
  return db;
}

export class SqliteTargetProvider implements Provider {
  readonly kind = 'sqlite-target';
  private readonly db: Database.Database;

  constructor(
    path: string,
    readonly resource = 'orders-db',
    private readonly delayMs = 0,
  ) {
    this.db = open(path);
  }

  async grant(target: GrantTarget): Promise<GrantOutcome> {
    await this.pause();
    const effect = this.apply('grant', target.grantId, () => {
      const existed = this.db.prepare('SELECT 1 FROM held WHERE grant_id = ?').get(target.grantId) !== undefined;
      this.db.prepare('INSERT INTO held (grant_id, expires_at, pid) VALUES (?, ?, ?) ON CONFLICT(grant_id) DO UPDATE SET expires_at = excluded.expires_at').run(target.grantId, target.expiresAt.getTime(), process.pid);
      return existed ? 'refreshed' : 'created';
    });
    return { detail: { effect } };
  }

  async extend(target: GrantTarget): Promise<GrantOutcome> {
    await this.pause();
    this.apply('extend', target.grantId, () => {
      this.db.prepare('UPDATE held SET expires_at = ? WHERE grant_id = ?').run(target.expiresAt.getTime(), target.grantId);
      return 'extended';
    });
    return {};
  }

  async revoke(target: GrantTarget): Promise<RevokeOutcome> {
    await this.pause();
    const effect = this.apply('revoke', target.grantId, () => (this.db.prepare('DELETE FROM held WHERE grant_id = ?').run(target.grantId).changes > 0 ? 'removed' : 'absent'));
    return { detail: { effect } };
  }

  async verify(): Promise<VerifyOutcome> {
    return { grantIds: this.db.prepare<[], { grant_id: string }>('SELECT grant_id FROM held').all().map((r) => r.grant_id) };
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private apply(op: TargetCall['op'], grantId: string, change: () => TargetEffect): TargetEffect {
    return this.db
      .transaction(() => {
        const effect = change();
        this.db.prepare('INSERT INTO calls (op, grant_id, effect, pid, at) VALUES (?, ?, ?, ?, ?)').run(op, grantId, effect, process.pid, Date.now());
        return effect;
      })
      .immediate();
  }

  private async pause(): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
  }
}

/** A chat platform whose every post lands in the same file, so the test can count posts across processes. */
export class SqliteChatPort implements ChatPort {
  private readonly db: Database.Database;

  constructor(
    path: string,
    readonly platform = 'slack',
    private readonly delayMs = 0,
  ) {
    this.db = open(path);
  }

  async deliver(notice: Notice): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.db.prepare('INSERT INTO posts (platform, notice, pid, at) VALUES (?, ?, ?, ?)').run(this.platform, JSON.stringify(notice), process.pid, Date.now());
  }

  close(): void {
    this.db.close();
  }
}

/** Every chat post made through SqliteChatPort, in order. */
export function readPosts(path: string): Array<{ notice: string; pid: number }> {
  const db = open(path);
  try {
    return db.prepare<[], { notice: string; pid: number }>('SELECT notice, pid FROM posts ORDER BY seq').all();
  } finally {
    db.close();
  }
}

/** What the target holds and every call it received, read from the test process. */
export function readTarget(path: string): { held: Set<string>; calls: TargetCall[] } {
  const db = open(path);
  try {
    const held = new Set(db.prepare<[], { grant_id: string }>('SELECT grant_id FROM held').all().map((r) => r.grant_id));
    const calls = db
      .prepare<[], { seq: number; op: TargetCall['op']; grant_id: string; effect: TargetEffect; pid: number; at: number }>('SELECT * FROM calls ORDER BY seq')
      .all()
      .map((r) => ({ seq: r.seq, op: r.op, grantId: r.grant_id, effect: r.effect, pid: r.pid, at: r.at }));
    return { held, calls };
  } finally {
    db.close();
  }
}
