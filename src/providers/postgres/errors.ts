/**
 * Turns driver and network failures into ProviderErrors: connection trouble, time-outs and transient
 * server states are retryable; permission and SQL errors are not. Messages are scrubbed of secrets.
 */
import { ProviderError } from '../types.ts';

const RETRYABLE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** SQLSTATE classes/codes worth another try: connection, resources, operator intervention, lock/serialisation. */
const RETRYABLE_SQLSTATE = /^(08|53|57P0[1-3]|40001|40P01|55P03|57014)/;

export function toProviderError(error: unknown, resource: string, action: string, secrets: readonly string[]): ProviderError {
  if (error instanceof ProviderError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : null;
  let retryable: boolean;
  if (code !== null && RETRYABLE_NETWORK_CODES.has(code)) retryable = true;
  else if (code !== null && /^[0-9A-Z]{5}$/.test(code)) retryable = RETRYABLE_SQLSTATE.test(code);
  else retryable = /timeout|timed out|terminated|ECONNREFUSED|Connection terminated/i.test(raw);
  const message = scrub(`postgres ${resource}: ${action} failed: ${raw}`, secrets);
  return new ProviderError(message, retryable, code ? { code } : {});
}

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}

/** The password part of a connection URL, to keep it out of every message. */
export function urlPassword(url: string): string | null {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === '' ? null : password;
  } catch {
    return null;
  }
}
