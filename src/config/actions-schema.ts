/**
 * A role's runbook actions (issue 15): named, predetermined steps the holder of an active grant of the role may
 * run from chat, e.g.
 *   actions:
 *     restart-api: { description: Restart the API, run: [kubectl, rollout, restart, deploy/api], timeout: 2m, confirm: true }
 * `run` is a program and its arguments, run without a shell (the exec provider's machinery).
 */
import { z } from 'zod';
import { DURATION_EXAMPLES, isDuration, parseDuration } from '../domain/duration.ts';

const ACTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** The longest an action may be allowed to run. */
export const ACTION_TIMEOUT_MAX_MS = 30 * 60_000;

const timeout = z
  .string()
  .refine(isDuration, { error: (iss) => `${JSON.stringify(iss.input)} is not a duration (${DURATION_EXAMPLES})` })
  .refine((text) => (parseDuration(text) ?? 0) <= ACTION_TIMEOUT_MAX_MS, { error: 'must be at most 30m' })
  .default('1m')
  .meta({ description: 'Stopped after this long (default 1m, at most 30m)' });

const RUN_OR_WEBHOOK = 'give either run (the program and its arguments, e.g. [kubectl, rollout, restart, deploy/api]) or webhook (a webhook resource to call)';

export const actionSchema = z
  .strictObject({
    description: z.string().trim().min(1, { error: 'say in a few words what the action does' }),
    run: z
      .array(z.string().min(1, { error: 'an argument must not be empty' }), { error: 'give the program and its arguments, e.g. [kubectl, rollout, restart, deploy/api]' })
      .min(1, { error: 'give the program and its arguments, e.g. [kubectl, rollout, restart, deploy/api]' })
      .optional()
      .meta({ description: 'The program and its arguments (no shell)' }),
    webhook: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Instead of run: a webhook resource, called with a signed POST {"event": "action", …}' }),
    timeout,
    confirm: z.boolean().default(false).meta({ description: 'Ask "are you sure?" before running' }),
  })
  .refine((action) => (action.run === undefined) !== (action.webhook === undefined), { error: RUN_OR_WEBHOOK });

export const actionsSchema = z
  .record(
    z.string().regex(ACTION_NAME, { error: (iss) => `${JSON.stringify(iss.input)} is not a valid action name (use at most 64 letters, digits, ".", "-" and "_", no spaces)` }),
    actionSchema,
  )
  .meta({ description: 'Runbook actions the holder of an active grant of this role may run from chat (/access run NAME)' });

export type RawAction = z.output<typeof actionSchema>;
