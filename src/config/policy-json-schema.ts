/**
 * JSON Schema of the policy file, generated from the zod schema, for editors and CI linters. Given the provider
 * factories, each resource is also described by its provider's settings schema. Rules that relate fields
 * (known resources, group cycles, approvals) are only checked by `accessbot policy check`.
 */
import { z } from 'zod';
import type { ProviderFactory } from '../providers/types.ts';
import { policySchema } from './policy-schema.ts';

type JsonObject = Record<string, unknown>;

/** Any provider setting may instead be read from the environment. */
const ENV_REFERENCE: JsonObject = {
  type: 'string',
  pattern: '^env:[A-Za-z_][A-Za-z0-9_]*(:-.*)?$',
  description: 'env:NAME reads an environment variable (it must be set); env:NAME:-default falls back to the default',
};

export function policyJsonSchema(providers: Readonly<Record<string, ProviderFactory>> = {}): JsonObject {
  const generated = z.toJSONSchema(policySchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as JsonObject;
  const { $schema: _ignored, ...body } = generated;
  const schema: JsonObject = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'accessbot policy',
    description: 'Who may request which temporary production access, who approves it, and for how long (accessbot DESIGN.md §3).',
    ...body,
  };
  const perKind = Object.entries(providers).flatMap(([kind, factory]) => {
    const settings = providerSettingsSchema(kind, factory);
    return settings ? [settings] : [];
  });
  const resources = (schema.properties as Record<string, JsonObject> | undefined)?.resources;
  if (resources && perKind.length > 0) {
    const generic = resources.additionalProperties as JsonObject;
    const known = Object.keys(providers);
    resources.additionalProperties = {
      anyOf: [...perKind, { ...generic, properties: { provider: { type: 'string', not: { enum: known } } } }],
    };
  }
  return schema;
}

function providerSettingsSchema(kind: string, factory: ProviderFactory): JsonObject | null {
  let settings: JsonObject;
  try {
    settings = z.toJSONSchema(factory.resourceSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as JsonObject;
  } catch {
    return null;
  }
  if (settings.type !== 'object' || typeof settings.properties !== 'object') return null;
  const { $schema: _ignored, ...body } = settings;
  const required = Array.isArray(body.required) ? (body.required as string[]) : [];
  const properties = Object.fromEntries(
    Object.entries(body.properties as Record<string, JsonObject>).map(([key, property]) => [key, { anyOf: [property, ENV_REFERENCE] }]),
  );
  return {
    ...body,
    title: `${kind} resource`,
    properties: { provider: { const: kind }, ...properties },
    required: ['provider', ...required],
  };
}
