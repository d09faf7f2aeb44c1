/**
 * PostgreSQL resource settings and role `grant:` parameters. Schemas only check and fill defaults (no
 * reshaping), so parsing an already parsed value gives the same value.
 */
import { z } from 'zod';

/** Longest identifier PostgreSQL keeps; longer names are cut silently and could name a different role. */
export const PG_MAX_IDENTIFIER_BYTES = 63;

export const pgIdentifier = z
  .string()
  .min(1, { message: 'must not be empty' })
  .refine((name) => !name.includes('\0'), { message: 'must not contain a NUL character' })
  .refine((name) => Buffer.byteLength(name, 'utf8') <= PG_MAX_IDENTIFIER_BYTES, {
    message: `is longer than ${PG_MAX_IDENTIFIER_BYTES} bytes (PostgreSQL would cut it and could match another name)`,
  });

export const postgresResourceSchema = z
  .object({
    /** Admin connection string; the admin needs CREATEROLE, pg_signal_backend and the right to grant `roles`. */
    url: z.string().refine((u) => /^postgres(ql)?:\/\//.test(u), { message: 'must be a postgres:// connection URL' }),
    mode: z.enum(['ephemeral', 'existing']).default('ephemeral'),
    connection_limit: z.number().int().min(1).max(1000).default(2),
    /** What the handed-out credentials point at; default: taken from `url`. */
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    database: z.string().min(1).optional(),
    /** mode existing: requester email → the database user that receives the role memberships. */
    users: z.record(z.string().email(), pgIdentifier).optional(),
    /** Size of the admin connection pool. */
    pool_max: z.number().int().min(1).max(10).default(2),
  })
  .strict()
  .superRefine((settings, ctx) => {
    if (settings.mode === 'existing' && (!settings.users || Object.keys(settings.users).length === 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['users'],
        message: 'mode existing needs `users: { "<email>": "<database user>" }`',
      });
    }
  });
export type PostgresSettings = z.infer<typeof postgresResourceSchema>;

export const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', 'ALL'] as const;
export const SCHEMA_PRIVILEGES = ['USAGE', 'CREATE', 'ALL'] as const;
export const SEQUENCE_PRIVILEGES = ['USAGE', 'SELECT', 'UPDATE', 'ALL'] as const;
const ALL_PRIVILEGES = [...new Set([...TABLE_PRIVILEGES, ...SCHEMA_PRIVILEGES, ...SEQUENCE_PRIVILEGES])] as [string, ...string[]];

/**
 * `on` names the object: "schema.table" (type table, the default when there is a dot), "schema" (type
 * schema, the default without a dot), or with type all_tables / all_sequences: every such object in "schema".
 */
export const privilegeSchema = z
  .object({
    privilege: z.enum(ALL_PRIVILEGES),
    on: z.string().min(1),
    type: z.enum(['table', 'sequence', 'schema', 'all_tables', 'all_sequences']).optional(),
  })
  .strict()
  .superRefine((grant, ctx) => {
    const target = privilegeTarget(grant);
    const nameCheck = z.array(pgIdentifier).safeParse(target.object === null ? [target.schema] : [target.schema, target.object]);
    if (!nameCheck.success) {
      ctx.addIssue({ code: 'custom', path: ['on'], message: nameCheck.error.issues[0]?.message ?? 'bad name' });
    }
    const dots = grant.on.split('.').length - 1;
    const needsObject = target.type === 'table' || target.type === 'sequence';
    if (needsObject ? dots !== 1 : dots !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['on'],
        message: needsObject ? `type ${target.type} needs "schema.name"` : `type ${target.type} needs a schema name without a dot`,
      });
    }
    const allowed = privilegesFor(target.type);
    if (!allowed.includes(grant.privilege)) {
      ctx.addIssue({
        code: 'custom',
        path: ['privilege'],
        message: `${grant.privilege} does not apply to a ${target.type}; use one of ${allowed.join(', ')}`,
      });
    }
  });
export type PrivilegeGrant = z.infer<typeof privilegeSchema>;

export type PrivilegeType = NonNullable<PrivilegeGrant['type']>;

export function privilegesFor(type: PrivilegeType): readonly string[] {
  if (type === 'schema') return SCHEMA_PRIVILEGES;
  if (type === 'sequence' || type === 'all_sequences') return SEQUENCE_PRIVILEGES;
  return TABLE_PRIVILEGES;
}

export function privilegeTarget(grant: PrivilegeGrant): { type: PrivilegeType; schema: string; object: string | null } {
  const dot = grant.on.indexOf('.');
  const type: PrivilegeType = grant.type ?? (dot >= 0 ? 'table' : 'schema');
  if (type === 'table' || type === 'sequence') {
    return dot >= 0 ? { type, schema: grant.on.slice(0, dot), object: grant.on.slice(dot + 1) } : { type, schema: 'public', object: grant.on };
  }
  return { type, schema: grant.on, object: null };
}

export const postgresGrantSchema = z
  .object({
    /** Roles the requester's login becomes a member of, e.g. [pg_read_all_data]. */
    roles: z.array(pgIdentifier).default([]),
    /** Direct privileges (mode ephemeral only). */
    privileges: z.array(privilegeSchema).default([]),
    /**
     * Allow `roles` that are (or lead to) a superuser, CREATEROLE or login role, an owner of objects, a holder of
     * privileges WITH GRANT OPTION or of a role WITH ADMIN OPTION, or pg_execute_server_program /
     * pg_write_server_files / pg_read_server_files / pg_create_subscription. Whoever holds one can make access
     * that outlives the revoke (a new login, another role's password, a grant to PUBLIC) or act as the server's
     * operating-system account, so they are refused by default.
     */
    allow_escalation: z.boolean().default(false),
  })
  .strict()
  .refine((grant) => grant.roles.length > 0 || grant.privileges.length > 0, {
    message: 'give at least one of `roles` or `privileges`',
  });
export type PostgresGrant = z.infer<typeof postgresGrantSchema>;
