/**
 * `env:NAME` values in resource settings: replaced by the environment variable, which must be set (and not
 * empty). `env:NAME:-default` falls back to the text after `:-` and says so in a warning, so a bundled example
 * can run out of the box while a real deployment still notices a forgotten secret.
 *
 * With `requireEnv: false` (what `policy check`, `policy explain` and `policy test` use, so CI can review a
 * policy without the production secrets) an unset variable is a warning and the value stays unresolved:
 * the caller skips the provider's checks of exactly those values.
 */
import { formatPath, type Finding, type PathSegment } from './problems.ts';

const ENV_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

export interface EnvReadOptions {
  /** Default true: an unset variable without a default is an error (what `serve` needs). */
  requireEnv?: boolean;
}

export interface EnvReadResult {
  value: unknown;
  errors: Finding[];
  warnings: Finding[];
  /** Where a value came from the environment: formatted path → variable name. */
  sources: Map<string, string>;
  /** Where a variable without a default is unset (an error or, with requireEnv: false, a warning): formatted path → name. */
  unresolved: Map<string, string>;
}

export function readEnvRefs(
  value: unknown,
  at: readonly PathSegment[],
  env: Readonly<Record<string, string | undefined>>,
  options: EnvReadOptions = {},
): EnvReadResult {
  const requireEnv = options.requireEnv ?? true;
  const errors: Finding[] = [];
  const warnings: Finding[] = [];
  const sources = new Map<string, string>();
  const unresolved = new Map<string, string>();
  const walk = (node: unknown, path: PathSegment[]): unknown => {
    if (typeof node === 'string') return readOne(node, path);
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, walk(item, [...path, key])]));
    }
    return node;
  };
  const readOne = (text: string, path: PathSegment[]): string => {
    if (!text.startsWith('env:')) return text;
    const match = ENV_REF.exec(text);
    if (!match) {
      errors.push({ at: path, message: `${JSON.stringify(text)} is not a valid environment reference (write env:NAME or env:NAME:-default)` });
      return text;
    }
    const name = match[1]!;
    const fallback = match[2];
    sources.set(formatPath(path), name);
    // Own properties only: env:constructor or env:toString is a variable that is not set, not Object.prototype's.
    const found = Object.hasOwn(env, name) ? env[name] : undefined;
    if (typeof found === 'string' && found !== '') return found;
    if (fallback !== undefined) {
      warnings.push({ at: path, message: `environment variable ${name} is not set; using the default written in the policy` });
      return fallback;
    }
    unresolved.set(formatPath(path), name);
    if (requireEnv) {
      errors.push({ at: path, message: `environment variable ${name} is not set` });
    } else {
      warnings.push({ at: path, message: `environment variable ${name} is not set (its value goes unchecked here; the bot will not start without it)` });
    }
    return text;
  };
  return { value: walk(value, [...at]), errors, warnings, sources, unresolved };
}

/** True when `path` is `prefix` or lies inside it (`a.b` is inside `a`, `a[0]` too; `ab` is not). */
export function isWithin(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}
