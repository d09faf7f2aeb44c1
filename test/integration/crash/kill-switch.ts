/** Wraps a provider so the process SIGKILLs itself at a chosen step: the harshest crash there is (no cleanup). */
import type { GrantTarget, Provider } from '../../../src/providers/types.ts';

export type KillPoint = 'grant-before' | 'grant-after' | 'revoke-before' | 'revoke-after';

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL was sent');
}

export function withKillSwitch(provider: Provider, at: KillPoint | null, onCall = 1): Provider {
  if (!at) return provider;
  const [op, when] = at.split('-') as ['grant' | 'revoke', 'before' | 'after'];
  let calls = 0;
  const wrap =
    <R>(name: 'grant' | 'revoke', call: (target: GrantTarget) => Promise<R>) =>
    async (target: GrantTarget): Promise<R> => {
      const armed = name === op && ++calls === onCall;
      if (armed && when === 'before') die();
      const result = await call(target);
      if (armed && when === 'after') die();
      return result;
    };
  return {
    kind: provider.kind,
    resource: provider.resource,
    grant: wrap('grant', (t) => provider.grant(t)),
    revoke: wrap('revoke', (t) => provider.revoke(t)),
    ...(provider.extend ? { extend: (t: GrantTarget) => provider.extend!(t) } : {}),
    ...(provider.verify ? { verify: () => provider.verify!() } : {}),
    ...(provider.close ? { close: () => provider.close!() } : {}),
  };
}
