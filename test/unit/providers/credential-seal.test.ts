import { createCipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUnboundSeal, openCredentials, parseSecretKey, sealCredentials, type CredentialBinding } from '../../../src/providers/credential-seal.ts';
import { credentialsSchema } from '../../../src/providers/settings.ts';
import { asRequestId } from '../../../src/domain/request-id.ts';

const key = randomBytes(32);
const kate: CredentialBinding = { grantId: 'g4kate000001', requestId: asRequestId(1), holder: { email: 'kate@example.com', slackId: 'UKATE', teamsId: null } };

/** What a row sealed before credentials were bound looks like: `v1.`, no associated data. */
function sealUnbound(creds: Record<string, string>): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(JSON.stringify(creds), 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

describe('credential seal', () => {
  it('round-trips any credentials the schema accepts, in the v2.<iv>.<tag>.<ct> format', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string()).filter((creds) => credentialsSchema.safeParse(creds).success), (creds) => {
        const sealed = sealCredentials(key, creds, kate);
        expect(sealed).toMatch(/^v2\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/);
        expect(isUnboundSeal(sealed)).toBe(false);
        expect(openCredentials(key, sealed, kate)).toEqual(creds);
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
    const a = sealCredentials(key, creds, kate);
    const b = sealCredentials(key, creds, kate);
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
    expect(Buffer.from(a.split('.')[3]!, 'base64url').toString('latin1')).not.toContain('hunter2');
  });

  it('throws on any tampering and on the wrong key', () => {
    const sealed = sealCredentials(key, { password: 'p', user: 'u' }, kate);
    const [v, iv, tag, ct] = sealed.split('.') as [string, string, string, string];
    const flip = (text: string) => {
      const bytes = Buffer.from(text, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      return bytes.toString('base64url');
    };
    expect(() => openCredentials(key, [v, flip(iv), tag, ct].join('.'), kate)).toThrow(/authentication failed/);
    expect(() => openCredentials(key, [v, iv, flip(tag), ct].join('.'), kate)).toThrow(/authentication failed/);
    expect(() => openCredentials(key, [v, iv, tag, flip(ct)].join('.'), kate)).toThrow(/authentication failed/);
    expect(() => openCredentials(randomBytes(32), sealed, kate)).toThrow(/authentication failed/);
    expect(() => openCredentials(key, `v3.${iv}.${tag}.${ct}`, kate)).toThrow(/unknown format/);
    expect(() => openCredentials(key, `v2.${iv}.${tag}`, kate)).toThrow(/unknown format/);
    expect(() => openCredentials(key, `v2.${iv}.AAAA.${ct}`, kate)).toThrow(/bad IV or tag/);
  });

  it('opens only for the grant it was sealed for: another grant id, request or holder is refused', () => {
    const sealed = sealCredentials(key, { password: 'kates-secret' }, kate);
    const others: CredentialBinding[] = [
      { ...kate, grantId: 'g4mallory001' },
      { ...kate, requestId: asRequestId(2) },
      { ...kate, holder: { ...kate.holder, email: 'mallory@example.com' } },
      { ...kate, holder: { ...kate.holder, slackId: 'UMAL' } },
      { ...kate, holder: { ...kate.holder, teamsId: 'mallory-aad-id' } },
      { ...kate, holder: { email: 'kate@example.com', slackId: null, teamsId: null } },
    ];
    for (const other of others) expect(() => openCredentials(key, sealed, other)).toThrow(/sealed for another grant/);
    // Absent and null identities are the same binding.
    expect(openCredentials(key, sealed, { ...kate, holder: { email: 'kate@example.com', slackId: 'UKATE' } })).toEqual({ password: 'kates-secret' });
  });

  it('still opens rows sealed the old way (v1, unbound), and says they should be re-sealed', () => {
    const old = sealUnbound({ password: 'from-before' });
    expect(isUnboundSeal(old)).toBe(true);
    expect(openCredentials(key, old, kate)).toEqual({ password: 'from-before' });
    const [, iv, tag, ct] = old.split('.') as [string, string, string, string];
    // Re-labelled as bound, it must carry the binding: it does not.
    expect(() => openCredentials(key, `v2.${iv}.${tag}.${ct}`, kate)).toThrow(/authentication failed/);
  });

  it('wants a 32-byte key given as 64 hex characters', () => {
    expect(parseSecretKey('ab'.repeat(32))).toHaveLength(32);
    expect(() => parseSecretKey('abc')).toThrow(/openssl rand -hex 32/);
    expect(() => sealCredentials(randomBytes(16), {}, kate)).toThrow(/32 bytes/);
  });
});
