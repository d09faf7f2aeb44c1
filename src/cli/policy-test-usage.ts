/** `policy test`'s usage and help, apart from the command so `policy --help` and the other subcommands never load it. */
export const TEST_USAGE = 'usage: accessbot policy test CASES.yaml [--policy FILE] [--format text|json]';

export const TEST_HELP = `${TEST_USAGE}

Runs each case of CASES.yaml against the policy, with the rules the bot applies, touching no target and
needing none of the policy's secrets. A case names a requester and a role, optionally a duration (default:
the role's), a ticket, a reason and break_glass: true, and what must happen:

  policy: accessbot.yaml          # optional, relative to CASES.yaml
  cases:
    - { user: alice@example.com, role: readonly, duration: 15m, expect: auto_approved }
    - { user: bob@example.com, role: deploy, duration: 9h, expect: { refused: max_duration } }
    - user: dave@example.com
      role: writer
      ticket: INC-7
      expect: { pending: { approvals: 2, approvers_include: [carol@example.com], approvers_exclude: [dave@example.com] } }
    - { user: slack:U0FRANK01, role: breakglass, break_glass: true, ticket: INC-9, expect: break_glass }

expect: auto_approved | pending | break_glass | refused | allowed (anything but a refusal), or a mapping:
  { refused: CODE }       CODE: unknown_role, not_requester, duration_too_long (or max_duration),
                          duration_too_short (or min_duration), reason_required, ticket_required,
                          ticket_invalid, break_glass_not_allowed
  { pending: { approvals: N, approvers_include: [...], approvers_exclude: [...], duration: D, request_ttl: D } }
  { auto_approved: { duration: D } }, { break_glass: { duration: D } }

  --policy FILE    the policy (default: the cases file's policy:, else as for "policy check")
  --format F       text (default) or json (one document, for CI)
Exit 0 when every case passes, 1 when a case fails or a file has problems, 2 on bad usage.`;
