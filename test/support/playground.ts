/**
 * The playground as `npm start` runs it with no chat credentials (startAccessbotOrPlayground), on an ephemeral
 * port, with its own database and demo system state in a temporary folder. The policy is the bundled example,
 * copied with a lower global minimum duration so a grant can expire within a test.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadEnv } from '../../src/config/env.ts';
import { bundledPolicyPath } from '../../src/config/env.ts';
import { createLogger } from '../../src/logging.ts';
import { startAccessbotOrPlayground, type Started } from '../../playground/server/start.ts';

export interface TestPlayground extends Started {
  dir: string;
  demoStateFile: string;
  logs: string[];
  baseUrl: string;
  close(): Promise<void>;
}

export async function startTestPlayground(options: { minDuration?: string; env?: Record<string, string> } = {}): Promise<TestPlayground> {
  const dir = mkdtempSync(join(tmpdir(), 'accessbot-playground-'));
  const policyFile = join(dir, 'accessbot.yaml');
  const example = readFileSync(bundledPolicyPath, 'utf8');
  if (!/^min_duration: 1m\b/m.test(example)) throw new Error('examples/accessbot.yaml no longer says "min_duration: 1m"; update this helper');
  writeFileSync(policyFile, example.replace(/^min_duration: 1m\b/m, `min_duration: ${options.minDuration ?? '5s'}`));
  const env: Record<string, string> = { PORT: '0', ACCESSBOT_DB: join(dir, 'accessbot.db'), ACCESSBOT_POLICY: policyFile, LOG_LEVEL: 'info', ...options.env };
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const started = await startAccessbotOrPlayground(loadEnv(env), { env, log: createLogger('info', sink), watchPolicy: false });
  return {
    ...started,
    dir,
    demoStateFile: join(dir, 'demo-system.json'),
    logs,
    baseUrl: `http://127.0.0.1:${started.app.port}`,
    close: async () => {
      await started.app.stop();
      await started.playground?.close();
    },
  };
}
