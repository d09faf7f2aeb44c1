/** Builds a core context for one-shot CLI commands against the configured store and policy. */
import { createContext, retryWithLease, type AppContext } from '../app/context.ts';
import { Worker } from '../app/worker.ts';
import { loadEnv, resolvePolicyPath, type Config } from '../config/env.ts';
import { silentLogger, createLogger } from '../logging.ts';
import { loadServePolicy, resolveKeptPolicy, StartupError } from '../config/startup-policy.ts';
import { formatProblems } from '../config/load-policy.ts';
import { startOnLastGoodPolicy } from '../config/last-good-start.ts';
import { restoreFormerDefinitions } from '../app/last-good-policy.ts';
import type { Policy } from '../domain/policy.ts';
import { providersForPolicy } from '../providers/registry.ts';
import type { CliIo } from './io.ts';
import { openConfiguredStore } from './store.ts';

/** Which chat platforms get notices: the ones configured, so a CLI revoke still updates the Slack card. */
function configuredPlatforms(config: Config): string[] {
  // Teams joins when its adapter lands; until then no notices are queued for it.
  return config.slack ? ['slack'] : [];
}

export async function cliContext(io: CliIo, options: { withProviders: boolean }): Promise<{ ctx: AppContext; config: Config; idle(): Promise<void>; close(): Promise<void> }> {
  const config = loadEnv(io.env);
  const path = resolvePolicyPath(config);
  const loaded = loadServePolicy(path, io.env);
  const log = config.logLevel === 'debug' || config.logLevel === 'trace' ? createLogger(config.logLevel, process.stderr) : silentLogger();
  const store = loaded.ok ? await openConfiguredStore(config) : await openConfiguredStore(config).catch(() => Promise.reject(new StartupError(formatProblems(loaded.errors, path))));
  log.debug({ store: store.kind, location: store.location }, 'store opened');
  let policy: Policy;
  if (loaded.ok) policy = loaded.policy;
  else {
    // As `serve` does: an admin can still revoke while the file is broken, under the last good policy.
    policy = (await startOnLastGoodPolicy(store, path, loaded, io.env, Date.now()).catch(async (error: unknown) => {
      await store.close();
      throw error;
    })).policy;
    io.err(`⚠ ${path} is invalid (run accessbot policy check); using the last good policy kept in the database (sha256 ${policy.hash.slice(0, 12)}).`);
  }
  const providers = options.withProviders
    ? providersForPolicy(policy, { log, env: io.env })
    : new Map();
  const worker = new Worker();
  const ctx = createContext({
    store,
    policy,
    log,
    providers,
    env: io.env,
    retry: retryWithLease(config.leaseMs),
    platforms: configuredPlatforms(config),
    secretKey: config.secretKey ?? null,
    // Never ACCESSBOT_INSTANCE_ID: run next to the server (same env), the CLI would share its leases.
    instanceId: `cli:${process.pid}`,
    afterCommit: worker,
  });
  worker.attach(ctx);
  // A grant whose role or resource left the policy is revoked with the last policy that knew them, as `serve` does.
  if (options.withProviders) {
    await restoreFormerDefinitions(ctx, resolveKeptPolicy(io.env), (resources) => providersForPolicy({ resources: Object.fromEntries(resources.map((r) => [r.name, r])) }, { log, env: io.env }));
  }
  return {
    ctx,
    config,
    idle: () => worker.idle(),
    close: async () => {
      await worker.stop();
      for (const provider of new Set([...providers.values(), ...ctx.providers.values()])) await provider.close?.().catch(() => {});
      await store.close();
    },
  };
}
