/** Where handed-out credentials point: the admin URL's host, port and database unless the resource overrides them. */
import type { PostgresSettings } from './settings.ts';

export interface ConnectTarget {
  host: string;
  port: number;
  database: string;
  /** Query parameters worth passing on to the requester's URL (e.g. sslmode). */
  query: string;
}

const FORWARDED_PARAMS = ['sslmode', 'sslrootcert'];

export function connectTarget(settings: PostgresSettings): ConnectTarget {
  const url = new URL(settings.url);
  const fromUrl = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const query = new URLSearchParams();
  for (const name of FORWARDED_PARAMS) {
    const value = url.searchParams.get(name);
    if (value !== null) query.set(name, value);
  }
  return {
    host: settings.host ?? (url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1'),
    port: settings.port ?? (url.port ? Number(url.port) : 5432),
    database: settings.database ?? (fromUrl || 'postgres'),
    query: query.toString(),
  };
}

export function credentialsFor(target: ConnectTarget, user: string, password: string, expiresAt: Date): Record<string, string> {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const url =
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${target.port}/` +
    `${encodeURIComponent(target.database)}${target.query ? `?${target.query}` : ''}`;
  return {
    host: target.host,
    port: String(target.port),
    database: target.database,
    user,
    password,
    expires_at: expiresAt.toISOString(),
    url,
  };
}
