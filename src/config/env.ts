/**
 * The process environment, parsed once at start (DESIGN.md §4). Every problem is reported together, each
 * saying what to set, so an operator fixes the environment in one go.
 */
import { z } from 'zod';
import { ConfigError } from './config-error.ts';

export { resolvePolicyPath, bundledPolicyPath } from './policy-path.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const TEAMS_APP_TYPES = ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const;

export interface SlackConfig {
  botToken: string;
  /** 'socket' when SLACK_APP_TOKEN is set (no public URL needed), else 'http' (needs the signing secret). */
  mode: 'http' | 'socket';
  signingSecret?: string;
  appToken?: string;
  /** Web API base URL ending in "/", e.g. http://127.0.0.1:4000/api/ for the fake; absent: Slack's. */
  apiUrl?: string;
}

export interface TeamsConfig {
  appId: string;
  appPassword?: string;
  tenantId?: string;
  appType: (typeof TEAMS_APP_TYPES)[number];
}

export interface Config {
  /** ACCESSBOT_POLICY as given; resolvePolicyPath picks the file. */
  policyPath?: string;
  /** ACCESSBOT_DB: the embedded SQLite file, used when no DATABASE_URL is set. */
  dbPath: string;
  /** DATABASE_URL (postgres://…): the store lives in PostgreSQL (replicas); null: the SQLite file `dbPath`. */
  databaseUrl: string | null;
  /** ACCESSBOT_INSTANCE_ID: names this process in leases (e.g. the pod name); null: a random one per start. */
  instanceId: string | null;
  /**
   * ACCESSBOT_LEASE_SECONDS, in ms: how long a grant's lease lasts before another replica may take its work over
   * (a live holder renews it every third of that). Absent: the default (DEFAULT_RETRY.leaseMs, 60 s).
   */
  leaseMs?: number;
  port: number;
  slack?: SlackConfig;
  teams?: TeamsConfig;
  /** TEAMS_EMULATOR=1: Teams without authentication, local use and tests only. */
  teamsEmulator: boolean;
  /** 32 bytes from ACCESSBOT_SECRET_KEY; needed only when a provider returns credentials. */
  secretKey?: Buffer;
  /**
   * 32 bytes from ACCESSBOT_AUDIT_KEY: keys the audit chain (HMAC-SHA256) and signs checkpoints. Absent: derived
   * from ACCESSBOT_SECRET_KEY, else the chain is unkeyed (src/audit/key.ts decides and warns).
   */
  auditKey?: Buffer;
  /** ACCESSBOT_AUDIT_PREVIOUS_KEYS: earlier audit keys (32 bytes each), to verify the rows they signed and to sign the rotation. */
  auditPreviousKeys?: Buffer[];
  /** ACCESSBOT_AUDIT_SINK_URL and ACCESSBOT_AUDIT_SINK_SECRET: where signed audit checkpoints are also sent (an append-only store). */
  auditSink?: { url: string; secret: string };
  logLevel: LogLevel;
}

export { ConfigError } from './config-error.ts';

/** Blank values (common in .env files) count as unset. */
const optional = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().trim().optional());

const VARIABLES = [
  'ACCESSBOT_POLICY',
  'ACCESSBOT_DB',
  'DATABASE_URL',
  'ACCESSBOT_INSTANCE_ID',
  'ACCESSBOT_LEASE_SECONDS',
  'PORT',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'SLACK_API_URL',
  'MICROSOFT_APP_ID',
  'MICROSOFT_APP_PASSWORD',
  'MICROSOFT_APP_TENANT_ID',
  'MICROSOFT_APP_TYPE',
  'TEAMS_EMULATOR',
  'ACCESSBOT_SECRET_KEY',
  'ACCESSBOT_AUDIT_KEY',
  'ACCESSBOT_AUDIT_PREVIOUS_KEYS',
  'ACCESSBOT_AUDIT_SINK_URL',
  'ACCESSBOT_AUDIT_SINK_SECRET',
  'LOG_LEVEL',
] as const;

const envSchema = z.object(Object.fromEntries(VARIABLES.map((name) => [name, optional])) as Record<(typeof VARIABLES)[number], typeof optional>);

/**
 * A lease shorter than a few seconds would be renewed (every third of it) more often than a busy replica can be
 * sure to manage, and hand work to a second replica while the first still does it; longer than an hour
 * leaves a crashed replica's revokes waiting that long.
 */
const leaseSeconds = z.string().regex(/^\d{1,4}$/).transform(Number).pipe(z.number().int().min(3).max(3600));

/** Format rules: each returns the problem, or null when the value (or its absence) is fine. */
const FORMAT_RULES: Partial<Record<(typeof VARIABLES)[number], (value: string) => string | null>> = {
  // Never echo DATABASE_URL: it usually carries a password.
  DATABASE_URL: (v) =>
    /^postgres(ql)?:\/\/\S+$/.test(v)
      ? null
      : 'DATABASE_URL must be a PostgreSQL URL starting with postgres:// or postgresql:// (e.g. postgres://accessbot:PASSWORD@db.internal:5432/accessbot); unset it to use the SQLite file ACCESSBOT_DB',
  ACCESSBOT_INSTANCE_ID: (v) =>
    /^[A-Za-z0-9._:-]{1,64}$/.test(v)
      ? null
      : `ACCESSBOT_INSTANCE_ID must be 1 to 64 characters of letters, digits, ".", "_", ":" or "-" (e.g. the pod name), not ${JSON.stringify(v)}`,
  ACCESSBOT_LEASE_SECONDS: (v) =>
    leaseSeconds.safeParse(v).success
      ? null
      : `ACCESSBOT_LEASE_SECONDS must be a whole number of seconds from 3 to 3600 (how long a replica's lease on a grant lasts; default 60), not ${JSON.stringify(v)}`,
  PORT: (v) => (/^\d{1,5}$/.test(v) && Number(v) <= 65535 ? null : `PORT must be a port number from 0 to 65535, not ${JSON.stringify(v)}`),
  SLACK_BOT_TOKEN: (v) => (v.startsWith('xoxb-') ? null : 'SLACK_BOT_TOKEN must be a bot token starting with "xoxb-" (Slack app → OAuth & Permissions)'),
  SLACK_APP_TOKEN: (v) =>
    v.startsWith('xapp-')
      ? null
      : 'SLACK_APP_TOKEN must be an app-level token starting with "xapp-" (Slack app → Basic Information → App-Level Tokens, scope connections:write)',
  SLACK_API_URL: (v) => (/^https?:\/\/\S+$/.test(v) ? null : 'SLACK_API_URL must be an http(s) URL such as https://slack.com/api/'),
  MICROSOFT_APP_TYPE: (v) => ((TEAMS_APP_TYPES as readonly string[]).includes(v) ? null : `MICROSOFT_APP_TYPE must be one of ${TEAMS_APP_TYPES.join(', ')}`),
  TEAMS_EMULATOR: (v) => (v === '1' || v === '0' ? null : 'TEAMS_EMULATOR must be 1 (Teams without authentication, local use only) or unset'),
  ACCESSBOT_SECRET_KEY: (v) =>
    /^[0-9a-fA-F]{64}$/.test(v) ? null : 'ACCESSBOT_SECRET_KEY must be 64 hex characters (32 bytes); generate one with `openssl rand -hex 32`',
  ACCESSBOT_AUDIT_KEY: (v) =>
    /^[0-9a-fA-F]{64}$/.test(v) ? null : 'ACCESSBOT_AUDIT_KEY must be 64 hex characters (32 bytes); generate one with `openssl rand -hex 32` and keep it outside the database',
  ACCESSBOT_AUDIT_PREVIOUS_KEYS: (v) =>
    v.split(',').every((key) => /^[0-9a-fA-F]{64}$/.test(key.trim()))
      ? null
      : 'ACCESSBOT_AUDIT_PREVIOUS_KEYS must be earlier audit keys of 64 hex characters each, separated by commas',
  // Never echo the sink URL: a presigned or token-bearing URL is a secret.
  ACCESSBOT_AUDIT_SINK_URL: (v) => (/^https?:\/\/\S+$/.test(v) ? null : 'ACCESSBOT_AUDIT_SINK_URL must be an http(s) URL (the append-only endpoint that receives audit checkpoints)'),
  ACCESSBOT_AUDIT_SINK_SECRET: (v) => (v.length >= 16 ? null : 'ACCESSBOT_AUDIT_SINK_SECRET must be at least 16 characters (it signs checkpoint posts like the webhook provider does)'),
  LOG_LEVEL: (v) => ((LOG_LEVELS as readonly string[]).includes(v) ? null : `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`),
};

type AuditEnv = Pick<Config, 'secretKey' | 'auditKey' | 'auditPreviousKeys' | 'auditSink'>;

/** The audit-key and checkpoint-sink variables alone, with their problems (shared by `loadEnv` and `auditEnv`). */
function readAuditEnv(e: Partial<Record<(typeof VARIABLES)[number], string>>, problems: string[]): AuditEnv {
  if (e.ACCESSBOT_AUDIT_SINK_URL && !e.ACCESSBOT_AUDIT_SINK_SECRET) {
    problems.push('ACCESSBOT_AUDIT_SINK_SECRET is required when ACCESSBOT_AUDIT_SINK_URL is set (checkpoint posts are signed; generate one with `openssl rand -hex 32`)');
  }
  if (e.ACCESSBOT_AUDIT_SINK_SECRET && !e.ACCESSBOT_AUDIT_SINK_URL) {
    problems.push('ACCESSBOT_AUDIT_SINK_SECRET is set but ACCESSBOT_AUDIT_SINK_URL is not: set the URL or unset the secret');
  }
  const hex = (value: string | undefined): Buffer | undefined => (value && /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : undefined);
  const previous = (e.ACCESSBOT_AUDIT_PREVIOUS_KEYS ?? '')
    .split(',')
    .map((key) => hex(key.trim()))
    .filter((key): key is Buffer => key !== undefined);
  const secretKey = hex(e.ACCESSBOT_SECRET_KEY);
  const auditKey = hex(e.ACCESSBOT_AUDIT_KEY);
  return {
    ...(secretKey && { secretKey }),
    ...(auditKey && { auditKey }),
    ...(previous.length > 0 && { auditPreviousKeys: previous }),
    ...(e.ACCESSBOT_AUDIT_SINK_URL && e.ACCESSBOT_AUDIT_SINK_SECRET && { auditSink: { url: e.ACCESSBOT_AUDIT_SINK_URL, secret: e.ACCESSBOT_AUDIT_SINK_SECRET } }),
  };
}

const AUDIT_VARIABLES = ['ACCESSBOT_SECRET_KEY', 'ACCESSBOT_AUDIT_KEY', 'ACCESSBOT_AUDIT_PREVIOUS_KEYS', 'ACCESSBOT_AUDIT_SINK_URL', 'ACCESSBOT_AUDIT_SINK_SECRET'] as const;

/**
 * Only what the audit log needs from the environment (its keys and the checkpoint sink), checked by the same
 * rules as `loadEnv` but without requiring the rest of the configuration to be valid.
 */
export function auditEnv(env: Readonly<Record<string, string | undefined>> = process.env): AuditEnv {
  const e = envSchema.parse(env);
  const problems: string[] = [];
  for (const name of AUDIT_VARIABLES) {
    const value = e[name];
    const problem = value === undefined ? null : (FORMAT_RULES[name]?.(value) ?? null);
    if (problem) problems.push(problem);
  }
  const audit = readAuditEnv(e, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return audit;
}

export function loadEnv(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const e = envSchema.parse(env);
  const problems: string[] = [];
  for (const [name, rule] of Object.entries(FORMAT_RULES)) {
    const value = e[name as (typeof VARIABLES)[number]];
    const problem = value === undefined ? null : rule(value);
    if (problem) problems.push(problem);
  }

  let slack: SlackConfig | undefined;
  if (e.SLACK_BOT_TOKEN) {
    if (!e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
      problems.push(
        'SLACK_SIGNING_SECRET is required when SLACK_BOT_TOKEN is set, for HTTP mode (Slack app → Basic Information → Signing Secret); ' +
          'or set SLACK_APP_TOKEN instead to use Socket Mode',
      );
    }
    slack = {
      botToken: e.SLACK_BOT_TOKEN,
      mode: e.SLACK_APP_TOKEN ? 'socket' : 'http',
      ...(e.SLACK_SIGNING_SECRET && { signingSecret: e.SLACK_SIGNING_SECRET }),
      ...(e.SLACK_APP_TOKEN && { appToken: e.SLACK_APP_TOKEN }),
      ...(e.SLACK_API_URL && { apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/` }),
    };
  } else {
    for (const name of ['SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN'] as const) {
      if (e[name]) problems.push(`${name} is set but SLACK_BOT_TOKEN is not: set SLACK_BOT_TOKEN (starts with "xoxb-") or unset ${name}`);
    }
  }

  let teams: TeamsConfig | undefined;
  // Single-tenant is the default registration (new multi-tenant Azure bots can no longer be created).
  const appType = (e.MICROSOFT_APP_TYPE ?? 'SingleTenant') as TeamsConfig['appType'];
  if (e.MICROSOFT_APP_ID) {
    if (!e.MICROSOFT_APP_PASSWORD && appType !== 'UserAssignedMSI') {
      problems.push('MICROSOFT_APP_PASSWORD is required when MICROSOFT_APP_ID is set (the client secret of the bot\'s Entra ID app registration)');
    }
    if (appType === 'SingleTenant' && !e.MICROSOFT_APP_TENANT_ID) {
      problems.push(
        'MICROSOFT_APP_TENANT_ID is required when MICROSOFT_APP_TYPE is SingleTenant (the default): the Directory (tenant) ID of the bot\'s Entra ID app registration; ' +
          'set MICROSOFT_APP_TYPE=MultiTenant only for an older multi-tenant registration',
      );
    }
    if (appType === 'UserAssignedMSI' && !e.MICROSOFT_APP_TENANT_ID) {
      problems.push('MICROSOFT_APP_TENANT_ID is required when MICROSOFT_APP_TYPE is UserAssignedMSI (the tenant of the managed identity)');
    }
    if (e.TEAMS_EMULATOR === '1') {
      problems.push('TEAMS_EMULATOR=1 turns Teams authentication off; unset it when MICROSOFT_APP_ID is set');
    }
    teams = {
      appId: e.MICROSOFT_APP_ID,
      appType,
      ...(e.MICROSOFT_APP_PASSWORD && { appPassword: e.MICROSOFT_APP_PASSWORD }),
      ...(e.MICROSOFT_APP_TENANT_ID && { tenantId: e.MICROSOFT_APP_TENANT_ID }),
    };
  } else {
    for (const name of ['MICROSOFT_APP_PASSWORD', 'MICROSOFT_APP_TENANT_ID'] as const) {
      if (e[name]) problems.push(`${name} is set but MICROSOFT_APP_ID is not: set MICROSOFT_APP_ID or unset ${name}`);
    }
  }

  const audit = readAuditEnv(e, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...(e.ACCESSBOT_POLICY && { policyPath: e.ACCESSBOT_POLICY }),
    dbPath: e.ACCESSBOT_DB ?? './data/accessbot.db',
    databaseUrl: e.DATABASE_URL ?? null,
    instanceId: e.ACCESSBOT_INSTANCE_ID ?? null,
    ...(e.ACCESSBOT_LEASE_SECONDS && { leaseMs: leaseSeconds.parse(e.ACCESSBOT_LEASE_SECONDS) * 1000 }),
    port: e.PORT === undefined ? 3000 : Number(e.PORT),
    ...(slack && { slack }),
    ...(teams && { teams }),
    teamsEmulator: e.TEAMS_EMULATOR === '1',
    ...(e.ACCESSBOT_SECRET_KEY && { secretKey: Buffer.from(e.ACCESSBOT_SECRET_KEY, 'hex') }),
    ...(audit.auditKey && { auditKey: audit.auditKey }),
    ...(audit.auditPreviousKeys && { auditPreviousKeys: audit.auditPreviousKeys }),
    ...(audit.auditSink && { auditSink: audit.auditSink }),
    logLevel: (e.LOG_LEVEL ?? 'info') as LogLevel,
  };
}
