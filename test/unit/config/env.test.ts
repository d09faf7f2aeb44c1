import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, bundledPolicyPath, loadEnv, resolvePolicyPath } from '../../../src/config/env.ts';

const KEY = '0123456789abcdef'.repeat(4);

function problems(env: Record<string, string>): string[] {
  try {
    loadEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadEnv', () => {
  it('applies the defaults with an empty environment', () => {
    expect(loadEnv({})).toEqual({ dbPath: './data/accessbot.db', databaseUrl: null, instanceId: null, port: 3000, teamsEmulator: false, logLevel: 'info' });
  });

  it('treats blank values as unset', () => {
    expect(loadEnv({ PORT: '', SLACK_BOT_TOKEN: '  ', LOG_LEVEL: '' })).toEqual(loadEnv({}));
  });

  it('reads a full Slack HTTP and Teams setup', () => {
    const config = loadEnv({
      ACCESSBOT_POLICY: 'policy.yaml',
      ACCESSBOT_DB: ':memory:',
      PORT: '8080',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'shh',
      SLACK_API_URL: 'http://127.0.0.1:4000/api',
      MICROSOFT_APP_ID: 'app',
      MICROSOFT_APP_PASSWORD: 'pw',
      MICROSOFT_APP_TENANT_ID: 'tenant',
      MICROSOFT_APP_TYPE: 'SingleTenant',
      ACCESSBOT_SECRET_KEY: KEY,
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      policyPath: 'policy.yaml',
      dbPath: ':memory:',
      port: 8080,
      slack: { botToken: 'xoxb-1', signingSecret: 'shh', mode: 'http', apiUrl: 'http://127.0.0.1:4000/api/' },
      teams: { appId: 'app', appPassword: 'pw', tenantId: 'tenant', appType: 'SingleTenant' },
      teamsEmulator: false,
      logLevel: 'debug',
    });
    expect(config.secretKey).toEqual(Buffer.from(KEY, 'hex'));
    expect(config.secretKey!.length).toBe(32);
  });

  it('uses Socket Mode when SLACK_APP_TOKEN is set, without a signing secret', () => {
    expect(loadEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slack).toEqual({ botToken: 'xoxb-1', appToken: 'xapp-1', mode: 'socket' });
  });

  it('turns the Teams emulator on only with TEAMS_EMULATOR=1', () => {
    expect(loadEnv({ TEAMS_EMULATOR: '1' }).teamsEmulator).toBe(true);
    expect(loadEnv({ TEAMS_EMULATOR: '0' }).teamsEmulator).toBe(false);
  });

  it('lists every problem at once, each saying what to set', () => {
    const found = problems({
      PORT: 'http',
      SLACK_BOT_TOKEN: 'xoxb-1',
      MICROSOFT_APP_ID: 'app',
      TEAMS_EMULATOR: 'yes',
      ACCESSBOT_SECRET_KEY: 'abc',
      LOG_LEVEL: 'loud',
    });
    expect(found).toEqual([
      'PORT must be a port number from 0 to 65535, not "http"',
      'TEAMS_EMULATOR must be 1 (Teams without authentication, local use only) or unset',
      'ACCESSBOT_SECRET_KEY must be 64 hex characters (32 bytes); generate one with `openssl rand -hex 32`',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
      expect.stringMatching(/^SLACK_SIGNING_SECRET is required when SLACK_BOT_TOKEN is set, for HTTP mode .*or set SLACK_APP_TOKEN instead to use Socket Mode$/),
      "MICROSOFT_APP_PASSWORD is required when MICROSOFT_APP_ID is set (the client secret of the bot's Entra ID app registration)",
      expect.stringMatching(/^MICROSOFT_APP_TENANT_ID is required when MICROSOFT_APP_TYPE is SingleTenant \(the default\)/),
    ]);
  });

  it('puts the problems in the error message', () => {
    expect(() => loadEnv({ ACCESSBOT_SECRET_KEY: 'nothex' })).toThrow(/fix the environment:\n {2}- ACCESSBOT_SECRET_KEY .*openssl rand -hex 32/);
  });

  it.each([
    [{ SLACK_BOT_TOKEN: 'xapp-1', SLACK_SIGNING_SECRET: 's' }, 'SLACK_BOT_TOKEN must be a bot token starting with "xoxb-"'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-2' }, 'SLACK_APP_TOKEN must be an app-level token starting with "xapp-"'],
    [{ SLACK_SIGNING_SECRET: 's' }, 'SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: 'slack.com' }, 'SLACK_API_URL must be an http(s) URL'],
    [{ MICROSOFT_APP_PASSWORD: 'pw' }, 'MICROSOFT_APP_PASSWORD is set but MICROSOFT_APP_ID is not'],
    [{ MICROSOFT_APP_ID: 'a', MICROSOFT_APP_PASSWORD: 'p', MICROSOFT_APP_TYPE: 'SingleTenant' }, 'MICROSOFT_APP_TENANT_ID is required when MICROSOFT_APP_TYPE is SingleTenant'],
    [{ MICROSOFT_APP_ID: 'a', MICROSOFT_APP_PASSWORD: 'p', MICROSOFT_APP_TYPE: 'Single' }, 'MICROSOFT_APP_TYPE must be one of MultiTenant, SingleTenant, UserAssignedMSI'],
    [{ MICROSOFT_APP_ID: 'a', MICROSOFT_APP_PASSWORD: 'p', TEAMS_EMULATOR: '1' }, 'TEAMS_EMULATOR=1 turns Teams authentication off'],
    [{ PORT: '70000' }, 'PORT must be a port number from 0 to 65535'],
  ])('refuses %j', (env, expected) => {
    expect(problems(env).join('\n')).toContain(expected);
  });

  it('reads the lease length in seconds, within 3 s to an hour', () => {
    expect(loadEnv({ ACCESSBOT_LEASE_SECONDS: '3' }).leaseMs).toBe(3_000);
    expect(loadEnv({ ACCESSBOT_LEASE_SECONDS: ' 3600 ' }).leaseMs).toBe(3_600_000);
    expect(loadEnv({}).leaseMs).toBeUndefined();
    for (const value of ['2', '3601', '1.5', '10s', '-5']) {
      expect(problems({ ACCESSBOT_LEASE_SECONDS: value })).toEqual([expect.stringMatching(/^ACCESSBOT_LEASE_SECONDS must be a whole number of seconds from 3 to 3600 /)]);
    }
  });

  it('lets a managed identity run without a password (with its tenant)', () => {
    expect(loadEnv({ MICROSOFT_APP_ID: 'a', MICROSOFT_APP_TYPE: 'UserAssignedMSI', MICROSOFT_APP_TENANT_ID: 't' }).teams).toEqual({ appId: 'a', appType: 'UserAssignedMSI', tenantId: 't' });
    expect(problems({ MICROSOFT_APP_ID: 'a', MICROSOFT_APP_TYPE: 'UserAssignedMSI' }).join('\n')).toContain('MICROSOFT_APP_TENANT_ID is required when MICROSOFT_APP_TYPE is UserAssignedMSI');
  });

  it('defaults to a single-tenant registration', () => {
    expect(loadEnv({ MICROSOFT_APP_ID: 'a', MICROSOFT_APP_PASSWORD: 'p', MICROSOFT_APP_TENANT_ID: 't' }).teams).toEqual({ appId: 'a', appPassword: 'p', tenantId: 't', appType: 'SingleTenant' });
    expect(loadEnv({ MICROSOFT_APP_ID: 'a', MICROSOFT_APP_PASSWORD: 'p', MICROSOFT_APP_TYPE: 'MultiTenant' }).teams).toEqual({ appId: 'a', appPassword: 'p', appType: 'MultiTenant' });
  });
});

describe('resolvePolicyPath', () => {
  it('prefers ACCESSBOT_POLICY, then ./accessbot.yaml, then the bundled example', () => {
    const dir = mkdtempSync(join(tmpdir(), 'accessbot-policy-'));
    expect(resolvePolicyPath({}, dir)).toBe(bundledPolicyPath);
    expect(bundledPolicyPath).toMatch(/examples[/\\]accessbot\.yaml$/);
    writeFileSync(join(dir, 'accessbot.yaml'), 'version: 1\n');
    expect(resolvePolicyPath({}, dir)).toBe(join(dir, 'accessbot.yaml'));
    expect(resolvePolicyPath({ policyPath: 'other.yaml' }, dir)).toBe(join(dir, 'other.yaml'));
    expect(resolvePolicyPath({ policyPath: '/etc/accessbot.yaml' }, dir)).toBe('/etc/accessbot.yaml');
  });
});
