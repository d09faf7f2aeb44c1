/**
 * A port already in use fails start-up. Express 5 hands the listen error to the listen callback; taken as
 * "listening", serve logged "accessbot is serving" while another process held the port, and the scheduler's
 * timers kept it alive with nothing listening.
 */
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../../src/config/env.ts';
import { startAccessbot } from '../../../src/main.ts';
import { createLogger } from '../../../src/logging.ts';
import { RecordingProvider } from '../../support/recording-provider.ts';
import { testPolicy } from '../../support/policy-fixture.ts';

const start = (port: number) => {
  const env = { PORT: String(port), ACCESSBOT_DB: ':memory:', LOG_LEVEL: 'silent' };
  return startAccessbot(loadEnv(env), { policy: testPolicy(), providers: new Map([['orders-db', new RecordingProvider()]]), env, log: createLogger('silent'), sweepEvery: '0 0 0 1 1 *' });
};

describe('serve on a port already in use', () => {
  it('fails start-up with EADDRINUSE and leaves the first bot serving', async () => {
    const first = await start(0);
    try {
      await expect(start(first.port)).rejects.toThrow(/EADDRINUSE/);
      expect((await fetch(`http://127.0.0.1:${first.port}/healthz`)).status).toBe(200);
    } finally {
      await first.stop();
    }
  });
});
