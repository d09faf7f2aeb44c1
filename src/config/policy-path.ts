/** Which policy file to load: ACCESSBOT_POLICY, else ./accessbot.yaml, else the example bundled with accessbot. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const bundledPolicyPath: string = fileURLToPath(new URL('../../examples/accessbot.yaml', import.meta.url));

export function resolvePolicyPath(config: { policyPath?: string | undefined }, cwd: string = process.cwd()): string {
  if (config.policyPath) return resolve(cwd, config.policyPath);
  const local = resolve(cwd, 'accessbot.yaml');
  return existsSync(local) ? local : bundledPolicyPath;
}
