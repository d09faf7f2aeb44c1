/**
 * What can still be used of a policy file that the schema rejected, so the cross-reference stage (resources,
 * groups, providers, durations that relate to each other) runs anyway and one `policy check` reports every
 * problem: a bad duration no longer hides an unknown resource.
 *
 * Each field is parsed on its own with the same zod schema as the whole file. A field that fails is left out and
 * named in `tainted`, so the rules that need it are skipped (its own problem is already reported by the schema)
 * instead of reporting a consequence of a placeholder. Names (of groups, resources, roles) are kept even when
 * they are invalid, so a reference to them is not reported a second time as "unknown".
 */
import type { z } from 'zod';
import { byName } from '../domain/policy.ts';
import { memberText, policySchema, roleSchema, type RawPolicy, type RawRole } from './policy-schema.ts';

export type RoleField = keyof RawRole;

export interface SalvagedRole extends Partial<RawRole> {
  /** Fields the schema rejected (left out above); a member list is tainted when any entry was dropped. */
  tainted: ReadonlySet<RoleField>;
}

export interface SalvagedResource {
  /** Absent when missing or not text (reported by the schema): the provider's own checks are skipped. */
  provider?: string;
  settings: Record<string, unknown>;
}

export interface SalvagedPolicy {
  /** True when the schema accepted the whole file: every field below is present and valid. */
  complete: boolean;
  timezone?: string;
  min_duration?: string;
  channels?: RawPolicy['channels'];
  digest?: RawPolicy['digest'];
  limits?: RawPolicy['limits'];
  defaults?: RawPolicy['defaults'];
  /** Undefined: the section is unusable (not a mapping), so references into it cannot be checked. */
  groups?: Record<string, string[]>;
  /** Groups whose member list lost entries to the schema. */
  incompleteGroups: ReadonlySet<string>;
  resources?: Record<string, SalvagedResource>;
  roles?: Record<string, SalvagedRole>;
  /** Top-level fields the schema rejected (or that are missing but required). */
  taintedTop: ReadonlySet<string>;
}

const isMapping = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function field<S extends z.ZodType>(schema: S, value: unknown): { ok: true; value: z.output<S> } | { ok: false } {
  const result = schema.safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false };
}

/** The valid entries of a member list, and whether any were dropped. */
function members(value: unknown): { list: string[]; complete: boolean } {
  if (!Array.isArray(value)) return { list: [], complete: false };
  const list = value.filter((entry): entry is string => memberText.safeParse(entry).success);
  return { list, complete: list.length === value.length };
}

const ROLE_FIELDS = Object.keys(roleSchema.shape) as RoleField[];

function salvageRole(value: unknown): SalvagedRole {
  const tainted = new Set<RoleField>();
  const input = isMapping(value) ? value : undefined;
  if (!input) return { tainted: new Set(ROLE_FIELDS) };
  const role: Partial<Record<RoleField, unknown>> = {};
  for (const key of ROLE_FIELDS) {
    if (key === 'requesters' || key === 'approvers') {
      const { list, complete } = members(input[key]);
      role[key] = list;
      if (!complete) tainted.add(key);
      continue;
    }
    const parsed = field(roleSchema.shape[key], input[key]);
    if (parsed.ok) role[key] = parsed.value;
    else tainted.add(key);
  }
  return { ...(role as Partial<RawRole>), tainted };
}

function salvageResource(value: unknown): SalvagedResource {
  if (!isMapping(value)) return { settings: {} };
  const { provider, ...settings } = value;
  return typeof provider === 'string' && provider !== '' ? { provider, settings } : { settings };
}

/** The usable parts of a policy mapping, for the cross-reference stage. */
export function salvagePolicy(input: Record<string, unknown>, schemaAccepted: boolean): SalvagedPolicy {
  const shape = policySchema.shape;
  const taintedTop = new Set<string>();
  const top = <K extends 'timezone' | 'min_duration' | 'channels' | 'digest' | 'limits' | 'defaults'>(key: K): z.output<(typeof shape)[K]> | undefined => {
    const parsed = field(shape[key], input[key]);
    if (parsed.ok) return parsed.value as z.output<(typeof shape)[K]>;
    taintedTop.add(key);
    return undefined;
  };

  // Keyed by names from the file: records without a prototype, so "__proto__" or "constructor" is just a name.
  let groups: Record<string, string[]> | undefined = byName();
  const incompleteGroups = new Set<string>();
  if (isMapping(input.groups)) {
    for (const [name, list] of Object.entries(input.groups)) {
      const salvaged = members(list);
      groups[name] = salvaged.list;
      if (!salvaged.complete) incompleteGroups.add(name);
    }
  } else if (input.groups !== undefined) {
    groups = undefined;
    taintedTop.add('groups');
  }

  const section = <T>(key: 'resources' | 'roles', salvage: (value: unknown) => T): Record<string, T> | undefined => {
    const value = input[key];
    if (!isMapping(value)) {
      taintedTop.add(key);
      return undefined;
    }
    const out = byName<T>();
    for (const [name, entry] of Object.entries(value)) out[name] = salvage(entry);
    return out;
  };

  const timezone = top('timezone');
  const minDuration = top('min_duration');
  const channels = top('channels');
  const digest = top('digest');
  const limits = top('limits');
  const defaults = top('defaults');
  return {
    complete: schemaAccepted,
    ...(timezone !== undefined && { timezone }),
    ...(minDuration !== undefined && { min_duration: minDuration }),
    ...(channels !== undefined && { channels }),
    ...(digest !== undefined && { digest }),
    ...(limits !== undefined && { limits }),
    ...(defaults !== undefined && { defaults }),
    ...(groups !== undefined && { groups }),
    incompleteGroups,
    resources: section('resources', salvageResource),
    roles: section('roles', salvageRole),
    taintedTop,
  };
}
