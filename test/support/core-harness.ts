/** Builds an AppContext on a fresh SQLite database with a manual clock and a recording provider. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../db/store/open.ts';
import type { Store } from '../../db/store/port.ts';
import { DEFAULT_RETRY, type AppContext } from '../../src/app/context.ts';
import { Worker } from '../../src/app/worker.ts';
import type { ChatPort } from '../../src/app/ports.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import type { Policy } from '../../src/domain/policy.ts';
import { silentLogger } from '../../src/logging.ts';
import { RecordingProvider } from './recording-provider.ts';
import { testPolicy } from './policy-fixture.ts';

export interface Harness {
  ctx: AppContext;
  store: Store;
  clock: ManualClock;
  provider: RecordingProvider;
  worker: Worker;
  dbPath: string;
  close(): Promise<void>;
}

export function tempDbPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'accessbot-')), 'test.db');
}

export function createHarness(options: { policy?: Policy; ports?: ChatPort[]; dbPath?: string; instanceId?: string; clock?: ManualClock; provider?: RecordingProvider } = {}): Harness {
  const dbPath = options.dbPath ?? tempDbPath();
  const store = openSqliteStore(dbPath);
  const clock = options.clock ?? new ManualClock();
  const provider = options.provider ?? new RecordingProvider();
  const worker = new Worker(options.ports ?? []);
  const ctx: AppContext = {
    store,
    policy: options.policy ?? testPolicy(),
    clock,
    log: silentLogger(),
    env: process.env,
    providers: new Map([['orders-db', provider]]),
    platforms: (options.ports ?? []).map((p) => p.platform),
    secretKey: Buffer.alloc(32, 7),
    instanceId: options.instanceId ?? 'test-1',
    afterCommit: worker,
    retry: { ...DEFAULT_RETRY, grantBaseMs: 10, revokeBaseMs: 10, revokeCapMs: 100 },
    random: () => 0.5,
  };
  worker.attach(ctx);
  return {
    ctx,
    store,
    clock,
    provider,
    worker,
    dbPath,
    close: async () => {
      await worker.stop();
      await store.close();
    },
  };
}
