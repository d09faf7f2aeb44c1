/**
 * A fake Bot Connector (the Teams side of the Bot Framework) on loopback: the `serviceUrl` accessbot talks to.
 * It records every activity the bot sends, replies, updates and deletes, keeps each message's latest content,
 * serves roster members (GET …/members/{id}), answers conversation creation (a personal chat with a known
 * member; 403 for anyone else, as Teams does when the app is not installed for them), and can answer the next
 * calls with an error such as 429 (with Retry-After). It speaks the wire format, nothing of accessbot's.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TeamsMember {
  /** The Teams user id ("29:…"). */
  id: string;
  name: string;
  aadObjectId: string;
  email?: string;
  userPrincipalName?: string;
  tenantId: string;
  userRole?: 'user' | 'guest';
}

export interface RecordedCall {
  method: string;
  path: string;
  conversationId: string | null;
  activityId: string | null;
  body: unknown;
  authorization: string | null;
  status: number;
}

export interface StoredMessage {
  conversationId: string;
  id: string;
  /** The message as last sent or updated. */
  activity: Record<string, unknown>;
  /** Every version, oldest first. */
  versions: Record<string, unknown>[];
  deleted: boolean;
  /** The activity it replies to (a channel thread's root, or a user's message), when posted as a reply. */
  replyToId: string | null;
}

interface Failure {
  remaining: number;
  status: number;
  retryAfter: number | null;
  match: (method: string, path: string) => boolean;
}

export class FakeBotConnector {
  readonly calls: RecordedCall[] = [];
  readonly messages: StoredMessage[] = [];
  /** Conversations accessbot asked to create (personal chats). */
  readonly created: { id: string; body: unknown }[] = [];
  private readonly members = new Map<string, TeamsMember>();
  /** Members who have the app installed for themselves (a personal chat may be created with them). */
  private readonly installedFor = new Set<string>();
  private failures: Failure[] = [];
  private seq = 0;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeBotConnector> {
    let connector: FakeBotConnector | null = null;
    const server = createServer((req, res) => void connector!.handle(req, res));
    connector = new FakeBotConnector(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return connector;
  }

  /** The service URL activities carry (with the trailing slash Teams uses). */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  addMember(member: TeamsMember, options: { appInstalled?: boolean } = {}): void {
    this.members.set(member.id, member);
    this.members.set(member.aadObjectId, member);
    if (options.appInstalled ?? true) this.installedFor.add(member.id);
  }

  /** Answer the next `times` matching calls with `status` (429: with Retry-After). */
  failNext(times: number, status = 429, options: { retryAfterSeconds?: number; match?: (method: string, path: string) => boolean } = {}): void {
    this.failures.push({ remaining: times, status, retryAfter: options.retryAfterSeconds ?? (status === 429 ? 0 : null), match: options.match ?? (() => true) });
  }

  /** Live (not deleted) messages in a conversation that are not replies in a thread. */
  topLevel(conversationId: string): StoredMessage[] {
    return this.messages.filter((m) => m.conversationId === conversationId && !m.deleted && m.replyToId === null);
  }

  /** Messages posted in a conversation, replies included (personal chats answer as replies). */
  inConversation(conversationId: string): StoredMessage[] {
    return this.messages.filter((m) => m.conversationId === conversationId && !m.deleted);
  }

  /** Replies in the thread under a channel message. */
  thread(channelId: string, rootId: string): StoredMessage[] {
    return this.messages.filter((m) => !m.deleted && m.conversationId === `${channelId};messageid=${rootId}`);
  }

  message(conversationId: string, id: string): StoredMessage | undefined {
    return this.messages.find((m) => m.conversationId === conversationId && m.id === id);
  }

  /** Resolve once `probe` returns something (polling), or fail after `ms`. */
  async waitFor<T>(probe: () => T | undefined | null | false, ms = 5000): Promise<T> {
    const until = Date.now() + ms;
    for (;;) {
      const found = probe();
      if (found) return found;
      if (Date.now() > until) throw new Error('FakeBotConnector.waitFor timed out');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = raw;
    }
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!;
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const conversationId = parts[0] === 'v3' && parts[1] === 'conversations' && parts[2] ? parts[2] : null;
    const activityId = parts[3] === 'activities' && parts[4] ? parts[4] : null;
    const record = (status: number) =>
      this.calls.push({ method, path, conversationId, activityId, body, authorization: typeof req.headers.authorization === 'string' ? req.headers.authorization : null, status });
    const send = (status: number, answer: unknown, headers: Record<string, string> = {}) => {
      record(status);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(answer));
    };

    const failure = this.failures.find((f) => f.remaining > 0 && f.match(method, path));
    if (failure) {
      failure.remaining--;
      send(failure.status, { error: { code: failure.status === 429 ? 'TooManyRequests' : 'ServiceError', message: 'failing on purpose' } }, failure.retryAfter === null ? {} : { 'retry-after': String(failure.retryAfter) });
      return;
    }
    if (parts[0] !== 'v3' || parts[1] !== 'conversations') return send(404, { error: { code: 'NotFound', message: path } });

    // POST /v3/conversations: open a personal chat.
    if (method === 'POST' && !conversationId) {
      const members = ((body as { members?: { id?: string }[] } | null)?.members ?? []).map((m) => m.id ?? '');
      const userId = members[0] ?? '';
      if (members.length !== 1 || !this.installedFor.has(userId)) return send(403, { error: { code: 'Forbidden', message: 'The bot is not installed for this user' } });
      const id = `a:personal-${this.members.get(userId)?.aadObjectId ?? userId}`;
      this.created.push({ id, body });
      return send(201, { id, activityId: '', serviceUrl: this.url });
    }
    if (!conversationId) return send(404, { error: { code: 'NotFound', message: path } });

    // GET …/members/{id}
    if (method === 'GET' && parts[3] === 'members' && parts[4]) {
      const member = this.members.get(parts[4]);
      return member ? send(200, member) : send(404, { error: { code: 'MemberNotFoundInConversation', message: 'not a member' } });
    }
    if (method === 'GET' && parts[3] === 'pagedmembers') {
      return send(200, { members: [...new Set(this.members.values())] });
    }

    if (parts[3] !== 'activities') return send(404, { error: { code: 'NotFound', message: path } });
    const activity = (body ?? {}) as Record<string, unknown>;
    if (method === 'POST') {
      const id = `m${++this.seq}`;
      this.messages.push({ conversationId, id, activity, versions: [activity], deleted: false, replyToId: activityId });
      return send(201, { id });
    }
    const existing = activityId ? this.message(conversationId, activityId) : undefined;
    if (!existing || existing.deleted) return send(404, { error: { code: 'ActivityNotFoundInConversation', message: 'no such activity' } });
    if (method === 'PUT') {
      existing.activity = activity;
      existing.versions.push(activity);
      return send(200, { id: existing.id });
    }
    if (method === 'DELETE') {
      existing.deleted = true;
      return send(200, {});
    }
    return send(405, { error: { code: 'MethodNotAllowed', message: method } });
  }
}
