/** Structured JSON logs. Anything that smells like a secret is redacted before it is written. */
import { pino, type Logger } from 'pino';

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

export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
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
