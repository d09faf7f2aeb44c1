/** Routes node-cron's own messages into our structured log instead of its coloured console output. */
import type { Logger as CronLogger } from 'node-cron';
import type { Logger } from '../logging.ts';

export function cronLogger(log: Logger, job: string): CronLogger {
  const text = (message: string | Error): string => (typeof message === 'string' ? message : message.message);
  return {
    info: (message) => log.debug({ job }, text(message)),
    // "blocked by overlap prevention" is expected when a run takes longer than the interval.
    warn: (message) => (/overlap/i.test(message) ? log.debug({ job }, message) : log.warn({ job }, message)),
    error: (message, err) => log.error({ job, err: err ? err.message : undefined }, text(message)),
    debug: (message) => log.debug({ job }, text(message)),
  };
}
