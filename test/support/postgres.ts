/**
 * PostgreSQL for integration tests, on 127.0.0.1 only.
 * - `detectPostgres()`: the shared trust-auth server (ACCESSBOT_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test).
 *   Unreachable → with CI set it throws (the suite fails); otherwise it returns a skip reason for `describe.skipIf`.
 * - `startScramCluster()`: a private throw-away cluster (initdb in a temp dir, free loopback port, scram-sha-256
 *   for host connections, superuser password from --pwfile) for tests where passwords must really be checked.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export const DEFAULT_TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface PostgresAvailability {
  url: string;
  available: boolean;
  skipReason: string | null;
}

/** CI as most CI systems set it ("true", "1"); unset, empty, "false" and "0" mean a developer machine. */
export function runningInCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== 'false' && value !== '0';
}

function unavailable(what: string): string {
  const reason = `PostgreSQL tests skipped: ${what}`;
  if (runningInCi()) throw new Error(`${reason} (CI is set, so this is a failure)`);
  console.warn(`\n  ⚠ ${reason}\n`);
  return reason;
}

export async function detectPostgres(url = process.env.ACCESSBOT_TEST_PG_URL ?? DEFAULT_TEST_PG_URL): Promise<PostgresAvailability> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { url, available: true, skipReason: null };
  } catch (error) {
    return { url, available: false, skipReason: unavailable(`no server at ${url.replace(/:[^:@/]*@/, ':***@')} (${(error as Error).message})`) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The newest /usr/lib/postgresql/<version>/bin that has initdb and pg_ctl (PG_BIN overrides). */
export function findPostgresBin(): string | null {
  const candidates = process.env.PG_BIN
    ? [process.env.PG_BIN]
    : (existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [])
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => `/usr/lib/postgresql/${v}/bin`);
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) ?? null;
}

/** Skip reason when a private cluster cannot be started here (throws under CI), else null. */
export function scramClusterSkipReason(): string | null {
  return findPostgresBin() === null ? unavailable('initdb/pg_ctl not found under /usr/lib/postgresql/*/bin (set PG_BIN)') : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ScramCluster {
  host: '127.0.0.1';
  port: number;
  superuser: string;
  superuserPassword: string;
  /** Admin URL with the superuser password. */
  url: string;
  /** A URL for another user on this cluster. */
  urlFor(user: string, password: string, database?: string): string;
  /** Stop the server at once (as a crash or failover would), keep it down for `downMs`, start it again. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface ScramClusterOptions {
  /** Extra server settings, e.g. `{ shared_preload_libraries: 'pg_stat_statements' }`. */
  settings?: Record<string, string>;
}

export async function startScramCluster(options: ScramClusterOptions = {}): Promise<ScramCluster> {
  const bin = findPostgresBin();
  if (bin === null) throw new Error('initdb not found');
  const dir = mkdtempSync(join(tmpdir(), 'accessbot-pg-'));
  const dataDir = join(dir, 'data');
  const pwfile = join(dir, 'pwfile');
  const password = randomBytes(18).toString('base64url');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  // initdb refuses to run as root: run the server binaries as the `postgres` system user then.
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? await systemUser('postgres') : null;
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  chmodSync(dir, 0o700);
  const exec = (program: string, args: string[]) =>
    owner ? run('runuser', ['-u', 'postgres', '--', join(bin, program), ...args]) : run(join(bin, program), args);

  await exec('initdb', ['-D', dataDir, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const extra = Object.entries(options.settings ?? {}).map(([name, value]) => ` -c ${name}=${value}`).join('');
  const serverOptions = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=50${extra}`;
  await exec('pg_ctl', ['-D', dataDir, '-l', join(dir, 'server.log'), '-o', serverOptions, '-w', '-t', '30', 'start']);

  const urlFor = (user: string, pw: string, database = 'postgres') =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    superuser: 'postgres',
    superuserPassword: password,
    url: urlFor('postgres', password),
    urlFor,
    async restart(downMs: number) {
      await exec('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await exec('pg_ctl', ['-D', dataDir, '-l', join(dir, 'server.log'), '-o', serverOptions, '-w', '-t', '30', 'start']);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await exec('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function systemUser(name: string): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['-u', name]);
  const { stdout: gid } = await run('id', ['-g', name]);
  return { uid: Number(stdout.trim()), gid: Number(gid.trim()) };
}

/** Tries to log in; resolves to null on success or the server's error code/message. */
export async function tryLogin(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return `${(error as { code?: string }).code ?? ''} ${(error as Error).message}`.trim();
  } finally {
    await client.end().catch(() => undefined);
  }
}
