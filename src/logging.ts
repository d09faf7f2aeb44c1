/**
 * Structured logs: JSON lines, or readable lines (pino-pretty) when stdout is a terminal, so the first screen a
 * person sees is readable while collectors still get JSON. Anything that smells like a secret is redacted first.
 */
import { pino, type Logger } from 'pino';
import { createRequire } from 'node:module';
import type pinoPrettyModule from 'pino-pretty';

export type { Logger };

const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'secret',
  '*.secret',
  '*.*.secret',
  'token',
  '*.token',
  '*.*.token',
  'credentials',
  '*.credentials',
  '*.*.credentials',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.headers["x-slack-signature"]',
  'url',
  '*.url',
  'env.*',
  'config.slackBotToken',
  'config.slackSigningSecret',
  'config.slackAppToken',
  'config.microsoftAppPassword',
  'config.secretKey',
];

/** Readable lines for a terminal: time, level, message, then the fields. */
function terminalStream(): NodeJS.WritableStream {
  // Loaded only for a terminal: JSON output (production, every CLI command piped) never loads it.
  const pinoPretty = createRequire(import.meta.url)('pino-pretty') as typeof pinoPrettyModule;
  return pinoPretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service', singleLine: true, sync: true });
}

/** Without a destination: readable lines when stdout is a terminal, else JSON lines on stdout. */
export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
  if (!destination && process.stdout.isTTY) destination = terminalStream();
  return pino(
    {
      level,
      base: { service: 'accessbot' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination as pino.DestinationStream | undefined,
  );
}

/** A logger that drops everything, for tests and CLI one-shots. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
