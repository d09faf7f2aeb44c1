import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openCredentials, parseSecretKey, sealCredentials } from '../../../src/providers/credential-seal.ts';
import { credentialsSchema } from '../../../src/providers/settings.ts';

const key = randomBytes(32);

describe('credential seal', () => {
  it('round-trips any credentials the schema accepts, in the v1.<iv>.<tag>.<ct> format', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string()).filter((creds) => credentialsSchema.safeParse(creds).success), (creds) => {
        const sealed = sealCredentials(key, creds);
        expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/);
        expect(openCredentials(key, sealed)).toEqual(creds);
      }),
    );
  });

  it('the schema refuses a "__proto__" key instead of dropping it', () => {
    expect(credentialsSchema.safeParse(JSON.parse('{"__proto__":"x","a":"b"}')).success).toBe(false);
    expect(credentialsSchema.safeParse(JSON.parse('{"constructor":"x","a":"b"}')).data).toEqual({ constructor: 'x', a: 'b' });
    expect(credentialsSchema.safeParse({ a: 1 }).success).toBe(false);
  });

  it('never shows the secret and uses a fresh IV each time', () => {
    const creds = { password: 'hunter2-very-secret' };
    const a = sealCredentials(key, creds);
    const b = sealCredentials(key, creds);
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
    expect(Buffer.from(a.split('.')[3]!, 'base64url').toString('latin1')).not.toContain('hunter2');
  });

  it('throws on any tampering and on the wrong key', () => {
    const sealed = sealCredentials(key, { password: 'p', user: 'u' });
    const [v, iv, tag, ct] = sealed.split('.') as [string, string, string, string];
    const flip = (text: string) => {
      const bytes = Buffer.from(text, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      return bytes.toString('base64url');
    };
    expect(() => openCredentials(key, [v, flip(iv), tag, ct].join('.'))).toThrow(/authentication failed/);
    expect(() => openCredentials(key, [v, iv, flip(tag), ct].join('.'))).toThrow(/authentication failed/);
    expect(() => openCredentials(key, [v, iv, tag, flip(ct)].join('.'))).toThrow(/authentication failed/);
    expect(() => openCredentials(randomBytes(32), sealed)).toThrow(/authentication failed/);
    expect(() => openCredentials(key, `v2.${iv}.${tag}.${ct}`)).toThrow(/unknown format/);
    expect(() => openCredentials(key, `v1.${iv}.${tag}`)).toThrow(/unknown format/);
    expect(() => openCredentials(key, `v1.${iv}.AAAA.${ct}`)).toThrow(/bad IV or tag/);
  });

  it('wants a 32-byte key given as 64 hex characters', () => {
    expect(parseSecretKey('ab'.repeat(32))).toHaveLength(32);
    expect(() => parseSecretKey('abc')).toThrow(/openssl rand -hex 32/);
    expect(() => sealCredentials(randomBytes(16), {})).toThrow(/32 bytes/);
  });
});
