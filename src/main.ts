/**
 * Composition root: configuration, store, providers, core, chat adapters, scheduler and the HTTP server.
 * `accessbot serve` calls startAccessbot(); tests call it too, with their own config and clock.
 */
import { stopRunningActions } from './app/run-action.ts';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { openStore } from '../db/store/open.ts';
import { createContext, retryWithLease, type AfterCommit, type AppContext, type RetryPolicy } from './app/context.ts';
import { Worker } from './app/worker.ts';
import { postDigest } from './app/post-digest.ts';
import type { ChatAdapter } from './chat-adapter.ts';
import type { Config } from './config/env.ts';
import { loadServePolicy, problemLine, resolveKeptPolicy, StartupError } from './config/startup-policy.ts';
import { resolvePolicyPath } from './config/env.ts';
import { formatProblems, type LoadPolicyResult } from './config/load-policy.ts';
import { rememberGoodPolicy, restoreFormerDefinitions, type PolicySource } from './app/last-good-policy.ts';
import { startOnLastGoodPolicy } from './config/last-good-start.ts';
import { announcePolicyFault, type PolicyFault } from './app/policy-fault.ts';
import { watchPolicyFile, type PolicyWatcher } from './config/policy-watcher.ts';
import { PolicyReloader, type LoadedPolicy, type ReloadOutcome, type ReloadTrigger } from './app/reload-policy.ts';
import { systemClock, type Clock } from './domain/clock.ts';
import type { Policy } from './domain/policy.ts';
import { createHttpApp } from './http/server.ts';
import { statusPage } from './http/status-page.ts';
import { reportUnreachableTargets } from './app/target-availability.ts';
import { createMetrics, type Metrics } from './http/metrics.ts';
import { ExpediteWebhookPort } from './app/expedite-webhook.ts';
import { createLogger, type Logger } from './logging.ts';
import { checkGrantsAtTargets } from './app/check-targets.ts';
import { auditKeyringFor, installAuditKeyring } from './audit/key.ts';
import { providersForPolicy } from './providers/registry.ts';
import type { Provider } from './providers/types.ts';
import { recoverOnStart, startScheduler, type Scheduler } from './scheduler/index.ts';
// The chat adapters are imported only when their platform is configured: a Slack-only bot never loads botbuilder.
import type { TeamsAuthSettings } from '../adapters/teams/index.ts';

export { StartupError, loadPolicyOrThrow } from './config/startup-policy.ts';

export interface StartOptions {
  clock?: Clock;
  log?: Logger;
  /** Replace the providers built from the policy (tests). */
  providers?: ReadonlyMap<string, Provider>;
  policy?: Policy;
  retry?: Partial<RetryPolicy>;
  /** Scheduler sweep (node-cron expression); default every 5 s. */
  sweepEvery?: string;
  instanceId?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Bot Framework endpoint settings for Teams in another cloud (the tests point them at a loopback OpenID metadata endpoint). */
  teamsAuthSettings?: TeamsAuthSettings;
  /**
   * Reload the policy file when it changes (default on; only when the policy comes from the file, not `policy`).
   * Tests may shorten the debounce and the backstop poll.
   */
  watchPolicy?: boolean | { debounceMs?: number; pollMs?: number };
  /** Extra routes mounted on the HTTP server before the chat adapters' (the playground's page and API). */
  routes?: (http: Express) => void;
}

export interface RunningAccessbot {
  ctx: AppContext;
  worker: Worker;
  scheduler: Scheduler;
  metrics: Metrics;
  server: Server;
  /** The port the server listens on (useful with PORT=0). */
  port: number;
  adapters: ChatAdapter[];
  /**
   * Load the policy file again and put it in force when valid (what SIGHUP does; src/app/reload-policy.ts).
   * A policy given in code (`StartOptions.policy`) has no file: nothing happens.
   */
  reloadPolicy(trigger?: ReloadTrigger): Promise<ReloadOutcome>;
  stop(): Promise<void>;
}

export async function startAccessbot(config: Config, options: StartOptions = {}): Promise<RunningAccessbot> {
  const env = options.env ?? process.env;
  const log = options.log ?? createLogger(config.logLevel);
  // The audit chain's key comes from this configuration, not from whatever process.env holds.
  installAuditKeyring(auditKeyringFor(config));
  let policy = options.policy;
  let policyPath: string | null = null;
  let startSource: PolicySource | null = null;
  let invalid: LoadPolicyResult | null = null;
  if (!policy) {
    policyPath = resolvePolicyPath(config);
    const loaded = loadServePolicy(policyPath, env);
    if (loaded.ok) {
      policy = loaded.policy;
      if (loaded.text !== undefined) startSource = { hash: policy.hash, text: loaded.text };
      log.info({ policy: policyPath, roles: Object.keys(policy.roles).length, hash: policy.hash }, 'policy loaded');
      for (const warning of loaded.warnings) log.warn({ policy: policyPath }, warning);
    } else invalid = loaded;
  }
  // PostgreSQL when DATABASE_URL is set, else the SQLite file; pending migrations are applied first.
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    sqlitePath: config.dbPath,
    onConnectionError: (error) => log.warn({ err: error.message }, 'a pooled database connection failed; queries use a new one'),
  }).catch((error: unknown) => {
    // An invalid file with no database to find the last good policy in: the file's problems come first.
    if (invalid && !invalid.ok) throw new StartupError(`${formatProblems(invalid.errors, policyPath!)}\n(and the database could not be opened to look for the last good policy: ${error instanceof Error ? error.message : String(error)})`);
    throw error;
  });
  log.info({ store: store.kind, location: store.location }, 'store opened');
  let fault: PolicyFault | null = null;
  if (!policy) {
    // The file is invalid: start on the last good policy kept in the store, or fail as before when there is none.
    const fallback = await startOnLastGoodPolicy(store, policyPath!, invalid!, env, (options.clock ?? systemClock).now()).catch(async (error: unknown) => {
      await store.close();
      throw error;
    });
    policy = fallback.policy;
    fault = fallback.fault;
  }
  const providers =
    options.providers ??
    providersForPolicy(policy, { log, env });
  const worker = new Worker();
  let scheduler: Scheduler | null = null;
  // The process's one after-commit hook, composed here and never rewired: the worker applies each committed
  // grant change at the target and delivers queued notices; the scheduler, once started, re-arms its expiry
  // timer (a new grant or an extension may move the next expiry earlier).
  const afterCommit: AfterCommit = {
    grantChanged: (grantId) => {
      worker.grantChanged(grantId);
      scheduler?.grantChanged(grantId);
    },
    noticesQueued: () => worker.noticesQueued(),
  };
  const ctx = createContext({
    store,
    policy,
    log,
    providers,
    env,
    secretKey: config.secretKey ?? null,
    instanceId: options.instanceId ?? config.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    afterCommit,
    retry: { ...retryWithLease(config.leaseMs), ...options.retry },
    ...(options.clock ? { clock: options.clock } : {}),
  });
  ctx.policyFault = fault;
  worker.attach(ctx);
  if (startSource) {
    const source = startSource;
    await store.tx((uow) => rememberGoodPolicy(uow, source, ctx.clock.now())).catch((error: unknown) => log.error({ err: String(error) }, 'could not keep the policy as the last good one'));
  }
  // Live grants on roles or resources this policy no longer has are revoked with the last policy that knew them.
  if (policyPath !== null) await restoreFormerDefinitions(ctx, resolveKeptPolicy(env), options.providers ? null : (resources) => providersForPolicy({ resources: Object.fromEntries(resources.map((r) => [r.name, r])) }, { log, env }));
  const reloader = policyPath === null ? null : policyReloader(ctx, policyPath, env, options.providers ? null : { log, env });
  const metrics = createMetrics(ctx, async () => (scheduler ? scheduler.status() : null));
  const http = createHttpApp(ctx, metrics, () => scheduler?.healthy() ?? false);
  options.routes?.(http);

  const adapters: ChatAdapter[] = [];
  if (config.slack) adapters.push((await import('../adapters/slack/index.ts')).createSlackAdapter({ ctx, http, config: config.slack, metrics }));
  if (!config.slack && !config.teams && !config.teamsEmulator) log.warn('no chat platform is configured (set SLACK_BOT_TOKEN …); only the CLI, /healthz and /metrics work');
  if (config.teams || config.teamsEmulator) {
    adapters.push((await import('../adapters/teams/index.ts')).createTeamsAdapter({ ctx, http, config: config.teams ?? null, ...(options.teamsAuthSettings ? { authSettings: options.teamsAuthSettings } : {}) }));
  }
  http.get('/', statusPage(ctx)); // after `routes`, which may serve `/` itself
  const chatPorts = adapters.map((a) => a.port);
  ctx.platforms = chatPorts.map((p) => p.platform);
  // The expedite paging hook is delivered through the outbox too, but is no chat platform: notices are not queued for it by default.
  const ports = [...chatPorts, new ExpediteWebhookPort({ policy: () => ctx.policy, now: () => ctx.clock.now() })];
  worker.setPorts(ports);

  await recoverOnStart(ctx);
  // A policy file deployed with a restart gets its policy.loaded event too (once, whichever replica is first).
  await reloader?.recordStart().catch((error: unknown) => log.error({ err: String(error) }, 'could not record the policy loaded at start'));
  if (fault) await announcePolicyFault(ctx, fault);
  // Tell operators now, not at the first request, about a grant a target would refuse (the grant checks again).
  void checkGrantsAtTargets(policy, providers).then((findings) => {
    reportUnreachableTargets(ctx, findings); // once per target, not once per role
    for (const f of findings) {
      if (f.problems.length) log.error({ role: f.role, resource: f.resource, problems: f.problems }, 'the target would refuse this role\'s grant');
    }
  });
  // A digest run missed while the bot was down is posted now (a period already posted is skipped).
  if (policy.digest) await postDigest(ctx).catch((error: unknown) => log.error({ err: String(error) }, 'catch-up digest failed'));
  scheduler = startScheduler(ctx, {
    worker,
    ports: () => ports,
    onDigest: async () => void (await postDigest(ctx)),
    ...(options.sweepEvery ? { sweepEvery: options.sweepEvery } : {}),
  });

  const server = await new Promise<Server>((resolve, reject) => {
    // Express 5 hands a listen error to this callback too (and before an 'error' listener of ours).
    const listening = http.listen(config.port, '0.0.0.0', (error?: Error) => (error ? reject(error) : resolve(listening)));
  }).catch(async (error: unknown) => {
    // A port already in use: the scheduler's timers and the store would keep the process alive, silently, with
    // nothing listening. Release what start-up began, then fail.
    log.error({ err: error instanceof Error ? error.message : String(error), port: config.port }, 'could not listen');
    await scheduler?.stop();
    await worker.stop();
    for (const provider of new Set([...providers.values(), ...ctx.providers.values()])) await provider.close?.().catch(() => {});
    await store.close();
    throw error;
  });
  for (const adapter of adapters) await adapter.start();
  let watcher: PolicyWatcher | null = null;
  if (reloader && policyPath && options.watchPolicy !== false) {
    const tuning = typeof options.watchPolicy === 'object' ? options.watchPolicy : {};
    watcher = watchPolicyFile(policyPath, () => void reloader.reload('file change'), { ...tuning, log });
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info({ port, platforms: ctx.platforms, instance: ctx.instanceId }, 'accessbot is serving');

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('shutting down: no new work, finishing what is in flight');
      watcher?.close();
      await reloader?.idle();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections(); // keep-alive sockets would otherwise hold close() open
      await closed;
      for (const adapter of adapters) await adapter.stop().catch(() => {});
      await scheduler?.stop();
      await worker.stop();
      await stopRunningActions(ctx); // a runbook action in flight is stopped and recorded, never left running
      // The providers in force, those the start began with, and those a reload replaced: each closed once.
      for (const provider of new Set([...providers.values(), ...ctx.providers.values(), ...(reloader?.replacedProviders() ?? [])])) await provider.close?.().catch(() => {});
      await store.close();
      log.info('stopped');
    })());
  const reloadPolicy = async (trigger: ReloadTrigger = 'SIGHUP'): Promise<ReloadOutcome> => {
    if (reloader) return reloader.reload(trigger);
    log.warn({ trigger }, 'the policy was given in code, not read from a file: nothing to reload');
    return { kind: 'unchanged', hash: ctx.policy.hash };
  };
  return { ctx, worker, scheduler, metrics, server, port, adapters, reloadPolicy, stop };
}

/**
 * The reloader for a policy read from `path`: the file is loaded as at start (built-in providers, env: values
 * required). `build`: how providers are made for new or changed resources; null keeps the given ones (tests).
 */
function policyReloader(ctx: AppContext, path: string, env: Readonly<Record<string, string | undefined>>, build: { log: Logger; env: Readonly<Record<string, string | undefined>> } | null): PolicyReloader {
  const load = (): LoadedPolicy => {
    const loaded = loadServePolicy(path, env);
    return loaded.ok ? { ok: true, policy: loaded.policy, warnings: loaded.warnings, ...(loaded.text !== undefined && { text: loaded.text }) } : { ok: false, problems: loaded.errors.map(problemLine), hash: loaded.hash };
  };
  return new PolicyReloader({
    ctx,
    path,
    load,
    createProviders: build && ((resources) => providersForPolicy({ resources: Object.fromEntries(resources.map((r) => [r.name, r])) }, build)),
    // As at start: tell operators now about a new or changed role its target would refuse.
    afterSwap: (policy, roles) =>
      void checkGrantsAtTargets({ ...policy, roles: Object.fromEntries(roles.flatMap((name) => (Object.hasOwn(policy.roles, name) ? [[name, policy.roles[name]!]] : []))) }, ctx.providers).then((findings) => {
        for (const f of findings) {
          if (f.unreachable) ctx.log.warn({ role: f.role, resource: f.resource, err: f.unreachable }, 'could not check the reloaded role against its target');
          if (f.problems.length) ctx.log.error({ role: f.role, resource: f.resource, problems: f.problems }, 'the target would refuse this role\'s grant');
        }
      }),
  });
}
