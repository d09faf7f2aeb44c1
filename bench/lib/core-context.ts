/**
 * The core without chat, as the in-process benchmarks run it: one store, one policy, one provider named "db",
 * the real after-commit worker, a random sealing key (credentials are sealed as in production), silent logs.
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../../db/store/port.ts';
import { createContext, DEFAULT_RETRY, type AppContext } from '../../src/app/context.ts';
import { Worker } from '../../src/app/worker.ts';
import type { Policy } from '../../src/domain/policy.ts';
import { silentLogger } from '../../src/logging.ts';
import type { Provider } from '../../src/providers/types.ts';

export function benchContext(store: Store, policy: Policy, provider: Provider): { ctx: AppContext; worker: Worker } {
  const worker = new Worker();
  const ctx = createContext({
    store,
    policy,
    log: silentLogger(),
    providers: new Map([['db', provider]]),
    instanceId: 'bench',
    secretKey: randomBytes(32),
    afterCommit: worker,
    retry: { ...DEFAULT_RETRY },
  });
  worker.attach(ctx);
  return { ctx, worker };
}
