import { describe, expect, it } from 'vitest';
import { policyJsonSchema } from '../../../src/config/policy-json-schema.ts';
import { DURATION_PATTERN } from '../../../src/config/policy-schema.ts';
import { parseDuration } from '../../../src/domain/duration.ts';
import { fakeProviders } from './fixtures.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking generated JSON

describe('policyJsonSchema', () => {
  const schema = policyJsonSchema() as Json;

  it('is a titled draft 2020-12 schema of the whole file', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.title).toBe('accessbot policy');
    expect(schema.required).toEqual(['version', 'resources', 'roles']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(['version', 'timezone', 'min_duration', 'channels', 'digest', 'limits', 'groups', 'defaults', 'resources', 'roles']);
  });

  it('describes roles with their required fields and defaults', () => {
    const role = schema.properties.roles.additionalProperties;
    expect(role.required).toEqual(['resource', 'requesters', 'approvers', 'max_duration']);
    expect(role.additionalProperties).toBe(false);
    expect(role.properties.approvals_required.default).toBe(1);
    expect(role.properties.request_ttl.default).toBe('1h');
    expect(role.properties.require_ticket.default).toBe(false);
    expect(role.properties.break_glass.default).toBe(false);
  });

  it('gives durations a pattern that agrees with parseDuration', () => {
    const maxDuration = schema.properties.roles.additionalProperties.properties.max_duration;
    expect(maxDuration).toMatchObject({ type: 'string', pattern: DURATION_PATTERN });
    const pattern = new RegExp(maxDuration.pattern);
    for (const text of ['45s', '30m', '2h', '1h30m', '1d', '1d2h3m4s']) {
      expect(pattern.test(text), text).toBe(true);
      expect(parseDuration(text), text).not.toBeNull();
    }
    for (const text of ['', '9x', 'h', '30', '1m1h', ' 1h']) expect(pattern.test(text), text).toBe(false);
  });

  it('describes each known provider\'s settings when given the factories', () => {
    const withProviders = policyJsonSchema(fakeProviders) as Json;
    const variants = withProviders.properties.resources.additionalProperties.anyOf as Json[];
    const fakedb = variants.find((v) => v.properties?.provider?.const === 'fakedb')!;
    expect(fakedb.required).toEqual(['provider', 'url']);
    expect(fakedb.additionalProperties).toBe(false);
    expect(fakedb.properties.url.anyOf[1].pattern).toBe('^env:[A-Za-z_][A-Za-z0-9_]*(:-.*)?$');
    expect(variants.at(-1)!.properties.provider.not).toEqual({ enum: ['fakedb', 'hook'] });
  });
});
