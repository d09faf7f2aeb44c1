/**
 * Runs core use cases against a policy file and database as the bot would (real providers from the policy),
 * then waits until every grant is applied at its target and closes the database. For tests that seed state
 * before starting `accessbot serve` or the CLI on the same files.
 */
import { openStore } from '../../db/store/open.ts';
import { createContext, type AppContext } from '../../src/app/context.ts';
import { Worker } from '../../src/app/worker.ts';
import { loadPolicyFile } from '../../src/config/load-policy.ts';
import { silentLogger } from '../../src/logging.ts';
import { builtinProviders, providersForPolicy } from '../../src/providers/registry.ts';

export async function withPolicyContext<T>(
  files: { policyPath: string; dbPath: string; env: Record<string, string> },
  use: (ctx: AppContext) => Promise<T> | T,
): Promise<T> {
  const loaded = loadPolicyFile(files.policyPath, { env: files.env, providers: builtinProviders });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const store = await openStore({ sqlitePath: files.dbPath, databaseUrl: files.env.DATABASE_URL ?? null });
  const worker = new Worker();
  const providers = providersForPolicy(loaded.policy, { log: silentLogger(), env: files.env });
  const ctx = createContext({ store, policy: loaded.policy, log: silentLogger(), providers, instanceId: 'seed', afterCommit: worker });
  worker.attach(ctx);
  try {
    const result = await use(ctx);
    await worker.idle(); // every grant applied at its target (the worker runs at most 32 at once)
    return result;
  } finally {
    await worker.stop();
    for (const provider of providers.values()) await provider.close?.();
    await store.close();
  }
}
