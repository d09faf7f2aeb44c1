/**
 * manifest.json is a valid Slack app manifest (against the published JSON Schema, copied into fixtures/ so
 * the test does not depend on files outside the repository) and matches what the adapter really does:
 * the commands it registers, the endpoint it serves, the events it handles and the scopes its calls need.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { SLACK_EVENTS_PATH } from '../../../adapters/slack/bolt-app.ts';
import { ACCESS_COMMAND } from '../../../adapters/slack/commands/access.ts';
import { REQUEST_ACCESS_COMMAND } from '../../../adapters/slack/commands/request-access.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as {
  features: { slash_commands: { command: string; url: string; usage_hint?: string }[]; app_home: Record<string, boolean>; bot_user: { display_name: string } };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { request_url: string; bot_events: string[] }; interactivity: { is_enabled: boolean; request_url: string }; socket_mode_enabled: boolean };
};
const schema = JSON.parse(readFileSync(join(root, 'test/unit/slack-adapter/fixtures/slack-app-manifest.schema.json'), 'utf8')) as object;

/** Web API methods the adapter may call → the bot scopes each needs. */
const METHOD_SCOPES: Record<string, string[]> = {
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.getPermalink': [],
  'chat.delete': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'users.info': ['users:read'],
  'users.lookupByEmail': ['users:read.email'],
  'auth.test': [],
  'views.open': [],
  'views.publish': [],
};

function adapterSources(dir = join(root, 'adapters/slack')): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'render' ? [] : adapterSources(path);
    return name.endsWith('.ts') ? [readFileSync(path, 'utf8')] : [];
  });
}

describe('manifest.json', () => {
  it('is valid against the Slack app manifest JSON Schema', () => {
    const validate = new Ajv({ allErrors: true }).compile(schema);
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check is real: a broken manifest fails it', () => {
    const validate = new Ajv({ allErrors: true }).compile(schema);
    expect(validate({ ...manifest, features: { ...manifest.features, slash_commands: [{ command: 'no-slash', description: 'x' }] } })).toBe(false);
    expect(validate({ display_information: { name: 'x'.repeat(36) } })).toBe(false);
  });

  it('declares exactly the commands the adapter registers, each with a usage hint, all on one endpoint', () => {
    expect(manifest.features.slash_commands.map((c) => c.command).sort()).toEqual([ACCESS_COMMAND, REQUEST_ACCESS_COMMAND].sort());
    for (const command of manifest.features.slash_commands) {
      expect(command.usage_hint).toBeTruthy();
      expect(new URL(command.url).pathname).toBe(SLACK_EVENTS_PATH);
    }
    expect(new URL(manifest.settings.event_subscriptions.request_url).pathname).toBe(SLACK_EVENTS_PATH);
    expect(manifest.settings.interactivity).toMatchObject({ is_enabled: true });
    expect(new URL(manifest.settings.interactivity.request_url).pathname).toBe(SLACK_EVENTS_PATH);
  });

  it('turns on App Home (home and messages tabs) and subscribes to app_home_opened; HTTP mode by default', () => {
    expect(manifest.features.app_home).toMatchObject({ home_tab_enabled: true, messages_tab_enabled: true });
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });

  it('asks for the scopes the adapter uses, and no others', () => {
    const called = new Set<string>();
    for (const source of adapterSources()) for (const match of source.matchAll(/\bclient\.(\w+)\.(\w+)\(/g)) called.add(`${match[1]}.${match[2]}`);
    expect([...called].filter((method) => !(method in METHOD_SCOPES))).toEqual([]);
    const needed = new Set([...called].flatMap((method) => METHOD_SCOPES[method]!));
    // Slash commands; DMs by user id; the email Slack vouches for in users.info.
    for (const scope of ['commands', 'im:write', 'users:read.email']) needed.add(scope);
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });
});
