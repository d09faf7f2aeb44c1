/**
 * The policy keys for waiting requests (issue 14), on a role and in the policy's `defaults`:
 *
 *   remind_after: 10m            # remind approvers who have not reviewed, every 10 minutes (false: never)
 *   escalate_after: 30m          # then the escalation group may approve too (false: never)
 *   escalation:
 *     approvers: [group:sre-leads]
 *     channel: { slack: C0123ABCD, teams: "19:…@thread.tacv2" }
 *   expedite_webhook:            # called when the requester presses "Urgent — page approvers"
 *     url: https://pager.example.com/accessbot
 *     secret: env:PAGER_WEBHOOK_SECRET
 *     timeout: 10s
 *
 * Built from the shared field schemas of policy-schema.ts (passed in, so neither file imports the other).
 */
import { z } from 'zod';

interface SharedFields {
  durationText: z.ZodType<string>;
  memberText: z.ZodType<string>;
  channelRefs: z.ZodType<{ slack?: string | undefined; teams?: string | undefined }>;
}

export function waitingFields({ durationText, memberText, channelRefs }: SharedFields) {
  const offOrDuration = z.union([z.literal(false), durationText], { error: 'expected a duration such as 10m, or false (never)' });
  return {
    remind_after: offOrDuration.optional().meta({ description: 'While a request waits, remind the approvers who have not reviewed it this often (false: never)' }),
    escalate_after: offOrDuration.optional().meta({ description: 'After this long the escalation approvers may approve too, and are told (false: never)' }),
    escalation: z
      .strictObject({
        approvers: z.array(memberText).min(1, { error: 'name at least one approver to escalate to' }),
        channel: channelRefs.optional(),
      })
      .optional()
      .meta({ description: 'The second group a waiting request escalates to after escalate_after' }),
    expedite_webhook: z
      .strictObject({
        url: z.string().refine((u) => /^https?:\/\/\S+$/i.test(u), { error: 'must be an http:// or https:// URL' }),
        secret: z.string().meta({ description: 'At least 16 characters; env:NAME reads it from the environment' }),
        timeout: durationText.default('10s'),
      })
      .optional()
      .meta({ description: 'Called (signed like the webhook provider) when a requester expedites a request' }),
  };
}

export type RawWaiting = {
  remind_after?: string | false | undefined;
  escalate_after?: string | false | undefined;
  escalation?: { approvers: string[]; channel?: { slack?: string | undefined; teams?: string | undefined } | undefined } | undefined;
  expedite_webhook?: { url: string; secret: string; timeout: string } | undefined;
};
