/** The accessbot command line (DESIGN.md §6). Exit codes: 0 ok, 1 a check failed, 2 bad usage. */
import { pathToFileURL } from 'node:url';
import { EXIT, UsageError, processIo, type CliIo } from './cli/io.ts';
import { ConfigError } from './config/config-error.ts';
import { isAccessError } from './domain/errors.ts';
import { StartupError } from './config/startup-error.ts';
import type { RunningAccessbot } from './main.ts';

// Each command group is loaded on demand: a one-shot command pays only for the modules it uses.

const USAGE = `usage: accessbot <command> [options]

  serve                          run the bot (applies pending migrations first)
  migrate                        apply pending database migrations and exit
                                 (PostgreSQL when DATABASE_URL is set, else the SQLite file ACCESSBOT_DB)
  migrate --from-sqlite FILE     also copy a SQLite database into PostgreSQL (DATABASE_URL)
  policy check [FILE] [--require-env] [--db FILE|URL]
                                 validate a policy file: every problem at once, secrets optional
  policy test CASES.yaml [--policy FILE] [--format text|json]
                                 table-driven expectations against a policy (for CI)
  policy schema                  print the policy JSON Schema
  policy explain --user EMAIL --role ROLE [--duration D]
                                 dry run: would it be allowed, auto-approved, who must approve
  audit verify                   check the audit log's hash chain
  audit export --format jsonl|csv [--since DATE]
  audit digest --since DATE [--until DATE] [--format text|markdown|json]
                                 who had what, when and why (the daily digest's content)
  grants list                    live grants
  grants revoke AR-42 --reason TEXT

Run "accessbot <command> --help" for details. Environment: see README ("Configuration").`;

export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? EXIT.usage : EXIT.ok;
      case 'serve':
        return await serve(rest, io);
      case 'migrate':
        return await (await import('./cli/migrate.ts')).runMigrateCommand(rest, io);
      case 'policy': {
        const [{ runPolicyCommand }, { builtinProviders }] = await Promise.all([import('./cli/policy.ts'), import('./providers/registry.ts')]);
        return await runPolicyCommand(rest, { ...io, providers: builtinProviders });
      }
      case 'audit':
        return await (await import('./cli/audit.ts')).runAuditCommand(rest, io);
      case 'grants':
        return await (await import('./cli/grants.ts')).runGrantsCommand(rest, io);
      default:
        io.err(`unknown command "${command}"\n\n${USAGE}`);
        return EXIT.usage;
    }
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      io.err(error.message);
      return EXIT.usage;
    }
    if (error instanceof ConfigError || error instanceof StartupError) {
      io.err(error.message);
      return EXIT.failed;
    }
    if (isAccessError(error)) {
      io.err(error.userMessage);
      return EXIT.failed;
    }
    throw error;
  }
}

async function serve(args: string[], io: CliIo): Promise<number> {
  if (args.includes('--help')) {
    io.out(
      'usage: accessbot serve\n\nRuns the bot: Slack at POST /slack/events (or Socket Mode), GET /healthz, GET /metrics on $PORT (default 3000).\n' +
        'With no Slack or Teams credentials it starts the playground at http://localhost:$PORT/ (ACCESSBOT_PLAYGROUND=0 turns it off).\n' +
        'The policy file is reloaded when it changes and on SIGHUP (an invalid file is refused, the running policy kept).',
    );
    return EXIT.ok;
  }
  const config = (await import('./config/env.ts')).loadEnv(io.env);
  // Signals are taken from the start: a SIGTERM during start-up catch-up stops cleanly once start-up is done.
  let signalled: ((signal: string) => void) | null = null;
  const stopRequested = new Promise<string>((resolve) => (signalled = resolve));
  const onSignal = (signal: string) => signalled?.(signal);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // SIGHUP reloads the policy file (it would otherwise end the process). One during start-up is done after it.
  let app: RunningAccessbot | null = null;
  let hangupDuringStart = false;
  let stopping = false;
  const onHangup = () => {
    if (stopping) return;
    if (!app) {
      hangupDuringStart = true;
      return;
    }
    app.ctx.log.info({ signal: 'SIGHUP' }, 'signal received: reloading the policy');
    void app.reloadPolicy('SIGHUP');
  };
  process.on('SIGHUP', onHangup);
  try {
    // Loaded on demand so one-shot commands never pull in the chat SDKs. With no chat credentials the bot runs
    // inside the playground (an emulated Slack and a page on $PORT; ACCESSBOT_PLAYGROUND=0 turns it off).
    const { startAccessbotOrPlayground } = await import('../playground/server/start.ts');
    const started = await startAccessbotOrPlayground(config, { env: io.env });
    app = started.app;
    if (hangupDuringStart) onHangup();
    const signal = await stopRequested;
    stopping = true;
    app.ctx.log.info({ signal }, 'signal received');
    await app.stop();
    await started.playground?.close();
    return EXIT.ok;
  } finally {
    process.off('SIGHUP', onHangup);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href || process.argv[1]?.endsWith('bin/accessbot.js')) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`accessbot: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
