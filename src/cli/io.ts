/** How CLI commands talk to the terminal; tests pass their own. Exit codes: 0 ok, 1 a check failed, 2 bad usage. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  cwd?: string;
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

/** "2026-11-01" or an ISO instant → epoch ms. */
export function parseSince(text: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw new UsageError(`--since: "${text}" is not a date (use YYYY-MM-DD or an ISO time)`);
  return ms;
}
