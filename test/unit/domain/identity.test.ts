/** Emails name people only as lower-case ASCII: a look-alike address (U+212A KELVIN SIGN for "K") names nobody. */
import { describe, expect, it } from 'vitest';
import { canonicalEmail, firstNonAscii, isMember, memberKeys, principalKey, samePerson } from '../../../src/domain/identity.ts';

const KELVIN = '\u212A';
const kate = { email: 'kate@example.com', slackId: 'UKATE' };
/** Lower-cased, this profile email is kate@example.com. */
const impostor = { email: `${KELVIN}ate@example.com`, slackId: 'UIMPOSTOR' };

describe('canonicalEmail', () => {
  it('lower-cases plain ASCII addresses and refuses anything else', () => {
    expect(`${KELVIN}ate@example.com`.toLowerCase()).toBe('kate@example.com'); // the fold that made the bug
    expect(canonicalEmail(' Kate@Example.COM ')).toBe('kate@example.com');
    expect(canonicalEmail(`${KELVIN}ate@example.com`)).toBeNull();
    expect(canonicalEmail('kate@\u0435xample.com')).toBeNull(); // Cyrillic е
    expect(canonicalEmail('ka\uFF54e@example.com')).toBeNull(); // fullwidth t, which NFKC maps to "t"
    expect(canonicalEmail('kate@bücher.example')).toBeNull(); // IDNA would rewrite it
    expect(canonicalEmail('\u0130nge@example.com')).toBeNull(); // İ lower-cases to "i" + a combining dot
    expect(canonicalEmail('kate@xn--bcher-kva.example')).toBe('kate@xn--bcher-kva.example');
    expect(canonicalEmail('kate example.com')).toBeNull();
    expect(canonicalEmail('ka te@example.com')).toBeNull();
    expect(canonicalEmail('')).toBeNull();
    expect(canonicalEmail(null)).toBeNull();
  });

  it('names the first character that is not ASCII', () => {
    expect(firstNonAscii(`${KELVIN}ate@example.com`)).toBe('U+212A');
    expect(firstNonAscii('kate@example.com')).toBeNull();
    expect(firstNonAscii('a\u{1D5BA}')).toBe('U+1D5BA');
  });
});

describe('matching people', () => {
  it('a look-alike email is not the person it looks like', () => {
    const members = new Set(['kate@example.com']);
    expect(isMember(members, kate)).toBe(true);
    expect(isMember(members, impostor)).toBe(false);
    expect(isMember(members, { email: `${KELVIN}ATE@EXAMPLE.COM` })).toBe(false);
    expect(samePerson(kate, impostor)).toBe(false);
    expect(samePerson({ email: 'kate@example.com' }, { email: `${KELVIN}ate@example.com` })).toBe(false);
  });

  it('such a person is known by their platform id alone', () => {
    expect(memberKeys(impostor)).toEqual(['slack:UIMPOSTOR']);
    expect(principalKey(impostor)).toBe('slack:UIMPOSTOR');
    expect(isMember(new Set(['slack:UIMPOSTOR']), impostor)).toBe(true);
    expect(memberKeys({ email: ' Kate@Example.com ', slackId: 'UKATE' })).toEqual(['kate@example.com', 'slack:UKATE']);
  });
});
