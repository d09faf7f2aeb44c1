/**
 * `npm run teams:package -- [--bot-id GUID] [--app-id GUID] [--out FILE]` builds the Teams app package to
 * upload (Teams admin center → Manage apps → Upload, or Apps → Manage your apps → Upload an app): a ZIP of
 * adapters/teams/manifest.json with the bot's Microsoft App ID filled in, and the two icons. The bot id comes
 * from --bot-id or MICROSOFT_APP_ID; the Teams app id defaults to the bot id. Exit code 2 on bad usage.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { colorIcon, outlineIcon } from './icons.ts';
import { zip } from './zip.ts';

export const MANIFEST_PATH = fileURLToPath(new URL('../manifest.json', import.meta.url));
const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;

export interface PackageOptions {
  botId: string;
  /** The Teams app's own id; the bot id when not given. */
  appId?: string;
  /** The app version (semver); the manifest's when not given. */
  version?: string;
}

/** The manifest as it goes into the package. */
export function packagedManifest(options: PackageOptions): Record<string, unknown> {
  for (const [what, id] of [['bot id', options.botId], ['app id', options.appId ?? options.botId]] as const) {
    if (!GUID.test(id)) throw new Error(`the ${what} must be a GUID (the Microsoft App ID of the Azure Bot), not ${JSON.stringify(id)}`);
  }
  const manifest = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as Record<string, unknown> & { bots: Record<string, unknown>[] };
  return {
    ...manifest,
    id: options.appId ?? options.botId,
    ...(options.version ? { version: options.version } : {}),
    bots: manifest.bots.map((bot) => ({ ...bot, botId: options.botId })),
  };
}

/** The upload ZIP: manifest.json, color.png and outline.png at its root. */
export function buildPackage(options: PackageOptions): Buffer {
  return zip([
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(packagedManifest(options), null, 2)}\n`) },
    { name: 'color.png', data: colorIcon() },
    { name: 'outline.png', data: outlineIcon() },
  ]);
}

function main(argv: string[], env: Readonly<Record<string, string | undefined>>): number {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (!['--bot-id', '--app-id', '--out'].includes(flag) || argv[i + 1] === undefined) {
      console.error(`usage: npm run teams:package -- [--bot-id GUID] [--app-id GUID] [--out FILE]   (unexpected ${JSON.stringify(flag)})`);
      return 2;
    }
    flags.set(flag, argv[++i]!);
  }
  const botId = flags.get('--bot-id') ?? env.MICROSOFT_APP_ID;
  if (!botId) {
    console.error('the bot id is needed: pass --bot-id GUID or set MICROSOFT_APP_ID (the Azure Bot\'s Microsoft App ID)');
    return 2;
  }
  const out = resolve(flags.get('--out') ?? 'dist/accessbot-teams.zip');
  let data: Buffer;
  try {
    data = buildPackage({ botId, ...(flags.get('--app-id') ? { appId: flags.get('--app-id')! } : {}) });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, data);
  console.log(`wrote ${out} (${data.length} bytes): upload it in Teams (Apps → Manage your apps → Upload an app)`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2), process.env);
}
