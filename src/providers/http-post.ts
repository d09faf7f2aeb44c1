/**
 * One HTTP(S) POST with a deadline, over a keep-alive connection pool, reading at most a given number of
 * answer bytes. The webhook provider's transport: node's own http client rather than the global fetch, whose
 * web-stream machinery (request cloning, readable-stream readers, abort signals) cost a burst of 10,000
 * revokes more CPU than the revokes' own bookkeeping. Redirects are never followed (a 3xx is an answer).
 */
import type * as HttpModule from 'node:http';
import type { IncomingMessage } from 'node:http';
import type * as HttpsModule from 'node:https';
import { createRequire } from 'node:module';

/**
 * node:http and node:https (with net, tls, streams) are loaded when the first pool is made: a command that only
 * reads the policy (`accessbot policy check`, which imports every provider for its schemas) does not load them.
 */
const requireBuiltin = createRequire(import.meta.url);

export interface PostAnswer {
  status: number;
  header(name: string): string | null;
  /** The body as text, cut at the byte limit. */
  text: string;
  truncated: boolean;
}

/** A failure before an answer arrived: `timedOut`, or a network error with its code (ECONNREFUSED, …). */
export class PostFailure extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'PostFailure';
  }
}

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  /** The whole exchange (connect, send, answer and its body) must end within this. */
  timeoutMs: number;
  /** Read at most this many bytes of an answer with this status; the rest is not downloaded. */
  maxBodyBytes(status: number): number;
}

export type HttpPost = (url: string, options: PostOptions) => Promise<PostAnswer>;

/** Connections kept open per target: enough for a worker's lanes, few enough not to flood a receiver. */
const MAX_SOCKETS = 64;

/** A POST function with its own keep-alive pool (one per provider), and how to close the pool. */
export function createHttpPost(): { post: HttpPost; close(): void } {
  const { Agent: HttpAgent, request: httpRequest } = requireBuiltin('node:http') as typeof HttpModule;
  const { Agent: HttpsAgent, request: httpsRequest } = requireBuiltin('node:https') as typeof HttpsModule;
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
  };
  const post: HttpPost = (url, options) =>
    new Promise<PostAnswer>((resolve, reject) => {
      const target = new URL(url);
      const isHttps = target.protocol === 'https:';
      const body = Buffer.from(options.body, 'utf8');
      let settled = false;
      const fail = (error: PostFailure): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      };
      const req = (isHttps ? httpsRequest : httpRequest)(target, {
        method: 'POST',
        agent: isHttps ? agents['https:'] : agents['http:'],
        headers: { ...options.headers, 'content-length': String(body.byteLength) },
      });
      const timer = setTimeout(() => {
        fail(new PostFailure(`timed out after ${options.timeoutMs} ms`, true, null));
        req.destroy();
      }, options.timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => fail(new PostFailure(error.message, false, typeof error.code === 'string' ? error.code : null)));
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        const limit = options.maxBodyBytes(res.statusCode ?? 0);
        let size = 0;
        let truncated = false;
        const done = (): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const headers = res.headers;
          resolve({
            status: res.statusCode ?? 0,
            header: (name) => {
              const value = headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
            },
            text: Buffer.concat(chunks).toString('utf8'),
            truncated,
          });
        };
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          if (size + chunk.byteLength > limit) {
            chunks.push(chunk.subarray(0, limit - size));
            truncated = true;
            done();
            res.destroy(); // stop the download; this connection is not reused
            return;
          }
          chunks.push(chunk);
          size += chunk.byteLength;
        });
        res.on('end', done);
        // 'close' follows every answer, ended or not: the error (and its stack) is built only when it is one.
        res.on('close', () => {
          if (!settled) fail(new PostFailure('the connection closed before the answer ended', false, 'ECONNRESET'));
        });
        res.on('error', (error: NodeJS.ErrnoException) => fail(new PostFailure(error.message, false, typeof error.code === 'string' ? error.code : null)));
      });
      req.end(body);
    });
  return {
    post,
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
