/** Builds a core context for one-shot CLI commands against the configured store and policy. */
import { createContext, type AppContext } from '../app/context.ts';
import { Worker } from '../app/worker.ts';
import { loadEnv, type Config } from '../config/env.ts';
import { silentLogger, createLogger } from '../logging.ts';
import { loadPolicyOrThrow } from '../config/startup-policy.ts';
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
  const { policy } = loadPolicyOrThrow(config, io.env);
  const log = config.logLevel === 'debug' || config.logLevel === 'trace' ? createLogger(config.logLevel, process.stderr) : silentLogger();
  const store = await openConfiguredStore(config);
  log.debug({ store: store.kind, location: store.location }, 'store opened');
  const providers = options.withProviders
    ? providersForPolicy(policy, { log, env: io.env })
    : new Map();
  const worker = new Worker();
  const ctx = createContext({
    store,
    policy,
    log,
    providers,
    platforms: configuredPlatforms(config),
    secretKey: config.secretKey ?? null,
    // Never ACCESSBOT_INSTANCE_ID: run next to the server (same env), the CLI would share its leases.
    instanceId: `cli:${process.pid}`,
    afterCommit: worker,
  });
  worker.attach(ctx);
  return {
    ctx,
    config,
    idle: () => worker.idle(),
    close: async () => {
      await worker.stop();
      for (const provider of providers.values()) await provider.close?.().catch(() => {});
      await store.close();
    },
  };
}
