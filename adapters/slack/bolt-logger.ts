/**
 * Bolt's and the Web API client's log lines, sent to our pino logger. Debug lines are dropped whatever
 * LOG_LEVEL says: at debug level the SDK prints request bodies, which can carry a credentials modal. Anything
 * that looks like a Slack token is masked before it is written.
 */
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../src/logging.ts';

const TOKEN = /\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+/g;

export function maskTokens(text: string): string {
  return text.replace(TOKEN, '[redacted-token]');
}

function line(parts: unknown[]): string {
  return maskTokens(
    parts
      .map((part) => {
        if (typeof part === 'string') return part;
        if (part instanceof Error) return part.message;
        try {
          return JSON.stringify(part);
        } catch {
          return String(part);
        }
      })
      .join(' '),
  );
}

export function boltLogger(log: Logger): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  let name = 'slack';
  const child = () => log.child({ component: name });
  const allows = (wanted: LogLevel): boolean => {
    const order = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];
    return order.indexOf(wanted) >= order.indexOf(level);
  };
  return {
    debug: () => {},
    info: (...msg: unknown[]) => {
      if (allows(LogLevel.INFO)) child().info(line(msg));
    },
    warn: (...msg: unknown[]) => {
      if (allows(LogLevel.WARN)) child().warn(line(msg));
    },
    error: (...msg: unknown[]) => child().error(line(msg)),
    setLevel: (next: LogLevel) => {
      level = next === LogLevel.DEBUG ? LogLevel.INFO : next;
    },
    getLevel: () => level,
    setName: (next: string) => {
      name = next;
    },
  };
}
