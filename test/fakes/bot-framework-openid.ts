/**
 * The Bot Framework's token side, on loopback: an OpenID metadata document and its key set (JWKS), as
 * login.botframework.com serves them, and a signer for the JWTs Teams puts on each request to a bot. Point
 * accessbot's `ToBotFromChannelOpenIdMetadataUrl` here and botbuilder verifies real signatures against it.
 */
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';

const b64url = (value: Buffer | string): string => Buffer.from(value).toString('base64url');

export interface TokenClaims {
  iss?: string;
  aud?: string;
  serviceurl?: string;
  /** Seconds since the epoch. */
  exp?: number;
  nbf?: number;
  iat?: number;
  [claim: string]: unknown;
}

export class FakeBotFrameworkOpenId {
  readonly kid = 'test-key-1';
  private readonly keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  /** Another key with the same kid: what a forger would sign with. */
  private readonly forgerKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeBotFrameworkOpenId> {
    let self: FakeBotFrameworkOpenId | null = null;
    const server = createServer((req, res) => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (req.url === '/v1/.well-known/openidconfiguration') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ issuer: BOT_FRAMEWORK_ISSUER, jwks_uri: `${base}/v1/.well-known/keys`, id_token_signing_alg_values_supported: ['RS256'], token_endpoint_auth_methods_supported: ['private_key_jwt'] }));
        return;
      }
      if (req.url === '/v1/.well-known/keys') {
        const jwk = self!.keys.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: [{ kty: 'RSA', use: 'sig', kid: self!.kid, n: jwk.n, e: jwk.e, endorsements: ['msteams'] }] }));
        return;
      }
      res.writeHead(404).end();
    });
    self = new FakeBotFrameworkOpenId(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get metadataUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/.well-known/openidconfiguration`;
  }

  /** A token as Teams signs it (RS256 with the published key), with these claims over sensible defaults. */
  token(claims: TokenClaims, options: { forged?: boolean } = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: BOT_FRAMEWORK_ISSUER, nbf: now - 60, iat: now - 60, exp: now + 3600, ...claims };
    const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: this.kid }));
    const body = b64url(JSON.stringify(payload));
    const key: KeyObject = options.forged ? this.forgerKeys.privateKey : this.keys.privateKey;
    const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key);
    return `${head}.${body}.${b64url(signature)}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
