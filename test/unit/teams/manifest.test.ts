/**
 * The Teams app package: adapters/teams/manifest.json validates against Microsoft's published JSON Schema for
 * manifest v1.30 (shipped offline in @microsoft/app-manifest), lists the commands the bot understands, and
 * `npm run teams:package` builds a ZIP Teams accepts: the manifest with the bot id filled in, and the icons.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inflateRawSync } from 'node:zlib';
import { AppManifestUtils } from '@microsoft/app-manifest';
import { describe, expect, it } from 'vitest';
import { buildPackage, MANIFEST_PATH, packagedManifest } from '../../../adapters/teams/app-package/build.ts';

const require = createRequire(import.meta.url);
const SCHEMA = JSON.parse(readFileSync(require.resolve('@microsoft/app-manifest/build/json-schemas/teams/v1.30/MicrosoftTeams.schema.json'), 'utf8'));
const BOT_ID = '11111111-2222-3333-4444-555555555555';

/** The entries of a ZIP, read back from its central directory. */
function unzip(archive: Buffer): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  const end = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = archive.readUInt16LE(end + 10);
  let at = archive.readUInt32LE(end + 16);
  for (let i = 0; i < count; i++) {
    const method = archive.readUInt16LE(at + 10);
    const size = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const extra = archive.readUInt16LE(at + 30);
    const comment = archive.readUInt16LE(at + 32);
    const local = archive.readUInt32LE(at + 42);
    const name = archive.toString('utf8', at + 46, at + 46 + nameLength);
    const dataAt = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    const raw = archive.subarray(dataAt, dataAt + size);
    entries.set(name, method === 8 ? inflateRawSync(raw) : raw);
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}

const pngSize = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

describe('the Teams app manifest', () => {
  const manifest = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'));

  it('is on manifest v1.30 and validates against its JSON Schema', async () => {
    expect(manifest.manifestVersion).toBe('1.30');
    expect(manifest.$schema).toBe('https://developer.microsoft.com/en-us/json-schemas/teams/v1.30/MicrosoftTeams.schema.json');
    expect(await AppManifestUtils.validateAgainstSchema(manifest, SCHEMA)).toEqual([]);
  });

  it('the schema check is real: a broken manifest fails it', async () => {
    expect((await AppManifestUtils.validateAgainstSchema({ ...manifest, bots: [{ ...manifest.bots[0], botId: 'not-a-guid' }] }, SCHEMA)).length).toBeGreaterThan(0);
  });

  it('declares the bot in personal and team scope with the commands it understands', () => {
    expect(manifest.bots[0].scopes).toEqual(expect.arrayContaining(['personal', 'team']));
    expect(manifest.bots[0].commandLists[0].commands.map((c: { title: string }) => c.title)).toEqual(['request-access', 'access', 'help']);
  });
});

describe('npm run teams:package', () => {
  it('builds a ZIP with the manifest (bot id filled in, still valid) and the two icons', async () => {
    const entries = unzip(buildPackage({ botId: BOT_ID }));
    expect([...entries.keys()].sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const packed = JSON.parse(entries.get('manifest.json')!.toString('utf8'));
    expect(packed.id).toBe(BOT_ID);
    expect(packed.bots[0].botId).toBe(BOT_ID);
    expect(await AppManifestUtils.validateAgainstSchema(packed, SCHEMA)).toEqual([]);
    expect(pngSize(entries.get('color.png')!)).toEqual({ width: 192, height: 192 });
    expect(pngSize(entries.get('outline.png')!)).toEqual({ width: 32, height: 32 });
  });

  it('refuses a bot id that is not a GUID', () => {
    expect(() => packagedManifest({ botId: 'my-bot' })).toThrow(/must be a GUID/);
  });
});
