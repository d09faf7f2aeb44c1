/** The webhook provider against a real HTTP server on 127.0.0.1: signing, retries, refusals, time-outs. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWebhookProvider, verifyAccessbotSignature, webhookResourceSchema } from '../../../src/providers/webhook.ts';
import { ProviderError } from '../../../src/providers/types.ts';
import { grantTarget, testDeps } from './grant-target.ts';

const SECRET = 'test-secret-0123456789abcdef';

interface Received {
  headers: IncomingMessage['headers'];
  rawBody: string;
}
type Responder = (
  req: Received,
  attempt: number,
) => { status: number; headers?: Record<string, string>; body?: string; delayMs?: number; streamBytes?: number };

let server: Server;
let url: string;
let received: Received[] = [];
let respond: Responder = () => ({ status: 200 });

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = { headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') };
      received.push(entry);
      const answer = respond(entry, received.length);
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        if (answer.streamBytes) {
          streamJunk(res, answer.streamBytes);
          return;
        }
        res.end(answer.body ?? '');
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/access`;
});

/** Writes `{"credentials":{"x":"aaaa…` of the given size, honouring back-pressure, until done or the client leaves. */
function streamJunk(res: ServerResponse, bytes: number): void {
  let sent = 0;
  res.on('close', () => (sent = bytes));
  res.write('{"credentials":{"x":"');
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const pump = (): void => {
    while (sent < bytes) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end('"}}');
  };
  pump();
}

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  respond = () => ({ status: 200 });
});

function provider(overrides: Record<string, unknown> = {}) {
  const sleeps: number[] = [];
  const settings = webhookResourceSchema.parse({ url, secret: SECRET, ...overrides });
  const instance = createWebhookProvider('deploy-hook', settings, testDeps(), {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  });
  return { instance, sleeps };
}

describe('webhook provider', () => {
  it('posts the contract body, signed so a receiver can verify it, with an idempotency key', async () => {
    const { instance } = provider();
    const target = grantTarget({ params: { env: 'prod' } });
    await instance.grant(target);
    expect(received).toHaveLength(1);
    const [request] = received as [Received];
    const timestamp = request.headers['x-accessbot-timestamp'] as string;
    const signature = request.headers['x-accessbot-signature'] as string;
    const now = Math.floor(Date.now() / 1000);
    expect(verifyAccessbotSignature(SECRET, timestamp, signature, request.rawBody, now)).toBe(true);
    expect(verifyAccessbotSignature('other-secret-0123456789', timestamp, signature, request.rawBody, now)).toBe(false);
    expect(verifyAccessbotSignature(SECRET, timestamp, signature, request.rawBody.replace('prod', 'dev'), now)).toBe(false);
    expect(verifyAccessbotSignature(SECRET, timestamp, signature, request.rawBody, now + 301)).toBe(false);
    expect(request.headers['idempotency-key']).toBe(`${target.grantId}:grant`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.rawBody)).toEqual({
      event: 'grant',
      grant_id: target.grantId,
      request_id: 'AR-42',
      requester: { email: 'alice@example.com', slack_id: 'U123' },
      role: 'readonly',
      resource: 'orders-db',
      params: { env: 'prod' },
      starts_at: target.startsAt.toISOString(),
      expires_at: target.expiresAt.toISOString(),
      approved_by: ['bob@example.com'],
      reason: 'checking INC-123',
      ticket: 'INC-123',
    });
  });

  it("the README's receiver snippet accepts a real request and rejects a changed one", async () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const snippet = /Verify in your receiver:\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet, 'README: webhook verification snippet').toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'accessbot-readme-'));
    try {
      const file = join(dir, 'receiver.ts');
      writeFileSync(file, snippet!);
      const { verifyAccessbot } = (await import(pathToFileURL(file).href)) as {
        verifyAccessbot: (secret: string, headers: Record<string, string | undefined>, rawBody: Buffer) => boolean;
      };
      const { instance } = provider();
      await instance.grant(grantTarget());
      const [request] = received as [Received];
      const headers = request.headers as Record<string, string | undefined>;
      const raw = Buffer.from(request.rawBody, 'utf8');
      expect(verifyAccessbot(SECRET, headers, raw)).toBe(true);
      expect(verifyAccessbot('another-secret-0123456789', headers, raw)).toBe(false);
      expect(verifyAccessbot(SECRET, headers, Buffer.from(request.rawBody.replace('readonly', 'admin')))).toBe(false);
      expect(verifyAccessbot(SECRET, { ...headers, 'x-accessbot-timestamp': String(Number(headers['x-accessbot-timestamp']) - 600) }, raw)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends revoke with its own key, and extend as a grant keyed by the new expiry', async () => {
    const { instance } = provider();
    const target = grantTarget();
    await instance.revoke(target);
    const later = new Date(target.expiresAt.getTime() + 1_800_000);
    await instance.extend!({ ...target, expiresAt: later });
    expect(received.map((r) => r.headers['idempotency-key'])).toEqual([
      `${target.grantId}:revoke`,
      `${target.grantId}:grant:${Math.floor(later.getTime() / 1000)}`,
    ]);
    expect(received.map((r) => JSON.parse(r.rawBody).event)).toEqual(['revoke', 'grant']);
    expect(JSON.parse(received[1]!.rawBody).expires_at).toBe(later.toISOString());
  });

  it('retries 503 with jittered exponential backoff, then succeeds', async () => {
    respond = (_req, attempt) => (attempt < 3 ? { status: 503 } : { status: 200 });
    const { instance, sleeps } = provider();
    const outcome = await instance.grant(grantTarget());
    expect(received).toHaveLength(3);
    expect(sleeps).toEqual([250, 500]); // random 0.5 × (500 ms, 1000 ms)
    expect(outcome.detail).toMatchObject({ attempts: 3, http_status: 200 });
  });

  it('fails at once on 400, without retrying', async () => {
    respond = () => ({ status: 400, body: '{"error":"unknown role"}' });
    const { instance, sleeps } = provider();
    const error = await instance.grant(grantTarget()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: false, detail: { http_status: 400, attempts: 1 } });
    expect(received).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('stops after max_attempts (no retry storm) and reports a retryable failure', async () => {
    respond = () => ({ status: 500 });
    const { instance, sleeps } = provider({ max_attempts: 4 });
    const error = await instance.grant(grantTarget()).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true, detail: { attempts: 4, http_status: 500 } });
    expect(received).toHaveLength(4);
    expect(sleeps).toEqual([250, 500, 1000]);
  });

  it('caps the backoff at 30 s', async () => {
    respond = () => ({ status: 502 });
    const settings = webhookResourceSchema.parse({ url, secret: SECRET, max_attempts: 10 });
    const sleeps: number[] = [];
    const instance = createWebhookProvider('deploy-hook', settings, testDeps(), { sleep: async (ms) => void sleeps.push(ms), random: () => 0.999999 });
    await instance.grant(grantTarget()).catch(() => undefined);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(30_000);
    expect(sleeps.at(-1)).toBeGreaterThan(29_000);
  });

  it('honours Retry-After on 429, up to the cap', async () => {
    respond = (_req, attempt) =>
      attempt === 1 ? { status: 429, headers: { 'retry-after': '7' } } : attempt === 2 ? { status: 429, headers: { 'retry-after': '3600' } } : { status: 204 };
    const { instance, sleeps } = provider();
    await instance.grant(grantTarget());
    expect(sleeps).toEqual([7000, 30_000]);
  });

  it('retries a time-out', async () => {
    respond = (_req, attempt) => (attempt === 1 ? { status: 200, delayMs: 1500 } : { status: 200 });
    const { instance, sleeps } = provider({ timeout: '1s' });
    const outcome = await instance.grant(grantTarget());
    expect(received).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
    expect(outcome.detail).toMatchObject({ attempts: 2 });
  });

  it('reports a time-out on every attempt as retryable and says so', async () => {
    respond = () => ({ status: 200, delayMs: 1500 });
    const { instance } = provider({ timeout: '1s', max_attempts: 2 });
    const error = await instance.grant(grantTarget()).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true, message: expect.stringContaining('timed out after 1s') });
  });

  it('retries network errors (connection refused)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const settings = webhookResourceSchema.parse({ url: `http://127.0.0.1:${port}/hook`, secret: SECRET, max_attempts: 2 });
    const instance = createWebhookProvider('deploy-hook', settings, testDeps(), { sleep: async () => undefined });
    const error = await instance.grant(grantTarget()).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true, message: expect.stringContaining('ECONNREFUSED') });
  });

  it('returns credentials from a 2xx JSON body, and refuses malformed ones', async () => {
    respond = () => ({ status: 200, body: JSON.stringify({ credentials: { token: 'abc', url: 'https://x' } }) });
    const { instance } = provider();
    expect((await instance.grant(grantTarget())).credentials).toEqual({ token: 'abc', url: 'https://x' });

    respond = () => ({ status: 200, body: JSON.stringify({ credentials: { token: 42 } }) });
    await expect(instance.grant(grantTarget())).rejects.toMatchObject({ retryable: false });

    respond = () => ({ status: 200, body: 'ok' });
    expect((await instance.grant(grantTarget())).credentials).toBeUndefined();
  });

  it('does not follow redirects with a signed body', async () => {
    respond = () => ({ status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } });
    const { instance } = provider();
    await expect(instance.grant(grantTarget())).rejects.toMatchObject({ retryable: false, detail: { http_status: 302 } });
    expect(received).toHaveLength(1);
  });

  it('no retry storm across grants: failed attempts per minute are capped for the whole provider, then calls wait', async () => {
    respond = () => ({ status: 503 });
    let now = Date.UTC(2026, 0, 5, 9, 0, 0);
    const settings = webhookResourceSchema.parse({ url, secret: SECRET, max_attempts: 5, max_failures_per_minute: 8 });
    const instance = createWebhookProvider('deploy-hook', settings, testDeps(), { sleep: async () => undefined, now: () => now });

    await expect(instance.grant(grantTarget())).rejects.toMatchObject({ retryable: true, detail: { attempts: 5 } });
    await expect(instance.revoke(grantTarget())).rejects.toMatchObject({ retryable: true, detail: { attempts: 3, held_back: true } });
    for (let i = 0; i < 20; i++) {
      await expect(instance.grant(grantTarget())).rejects.toMatchObject({ retryable: true, detail: { attempts: 0, held_back: true } });
    }
    expect(received).toHaveLength(8); // 22 calls, one minute: 8 requests

    now += 61_000;
    respond = () => ({ status: 200 });
    await expect(instance.grant(grantTarget())).resolves.toMatchObject({ detail: { attempts: 1 } });
    expect(received).toHaveLength(9);
  });

  it('a success clears the failure count; a refusal (4xx) does not use it up', async () => {
    const settings = webhookResourceSchema.parse({ url, secret: SECRET, max_attempts: 3, max_failures_per_minute: 3 });
    const instance = createWebhookProvider('deploy-hook', settings, testDeps(), { sleep: async () => undefined });
    respond = (_req, attempt) => (attempt % 3 === 0 ? { status: 200 } : { status: 503 });
    for (let i = 0; i < 4; i++) await instance.grant(grantTarget()); // 2 failures, then success, each time
    respond = () => ({ status: 403 });
    for (let i = 0; i < 5; i++) await expect(instance.grant(grantTarget())).rejects.toMatchObject({ retryable: false, detail: { attempts: 1 } });
    expect(received).toHaveLength(17);
  });

  it('stops reading a huge answer at 1 MB: a grant fails for good, a revoke does not care', async () => {
    respond = () => ({ status: 200, streamBytes: 50 * 1024 * 1024 });
    const { instance } = provider();
    const error = await instance.grant(grantTarget()).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false, message: expect.stringContaining('more than 1 MB') });
    await expect(instance.revoke(grantTarget())).resolves.toMatchObject({ detail: { http_status: 200, attempts: 1 } });
  });

  it('a revoke ignores whatever its answer carries; empty credentials are no credentials', async () => {
    respond = () => ({ status: 200, body: JSON.stringify({ credentials: { token: 42 } }) });
    const { instance } = provider();
    await expect(instance.revoke(grantTarget())).resolves.toMatchObject({ detail: { http_status: 200 } });
    respond = () => ({ status: 200, body: JSON.stringify({ credentials: {} }) });
    expect((await instance.grant(grantTarget())).credentials).toBeUndefined();
  });
});
