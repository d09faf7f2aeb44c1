/** accessbot grants list | grants revoke AR-42 --reason … */
import { parseArgs } from 'node:util';
import { listLiveGrants } from '../app/list-access.ts';
import { loadRequestView } from '../app/request-view.ts';
import { parseRequestRef } from '../domain/request-id.ts';
import { revokeAccess } from '../app/revoke.ts';
import { formatDuration } from '../domain/duration.ts';
import { displayName } from '../domain/identity.ts';
import { cliContext } from './context.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';

const GRANTS_USAGE = 'usage: accessbot grants list [--json] | grants revoke AR-42 --reason TEXT [--by NAME]';

export async function runGrantsCommand(args: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  if (!command || command === '--help' || command === 'help') {
    io.out(`${GRANTS_USAGE}\n\n  list     grants being applied, active, or still being revoked\n  revoke   end a grant now at its target (audited as the admin named by --by, default $USER)`);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === 'list') {
    const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' }, help: { type: 'boolean' } }, strict: true });
    if (values.help) return (io.out('usage: accessbot grants list [--json]'), EXIT.ok);
    const app = await cliContext(io, { withProviders: false });
    try {
      const now = app.ctx.clock.now();
      const live = await listLiveGrants(app.ctx);
      if (values.json) {
        for (const v of live) io.out(JSON.stringify({ request: v.ref, role: v.role, resource: v.resource, holder: displayName(v.requester), status: v.grant?.status, expires_at: new Date(v.grant!.expiresAt).toISOString(), overdue: v.grant?.overdue }));
      } else if (live.length === 0) {
        io.out('No live grants.');
      } else {
        for (const v of live) {
          const left = v.grant!.expiresAt - now;
          const when = left > 0 ? `expires in ${formatDuration(left)}` : `expired ${formatDuration(-left)} ago${v.grant!.status === 'revoking' ? ' — revoke in progress' : ''}`;
          io.out(`${v.ref}  ${v.role} on ${v.resource}  ${displayName(v.requester)}  ${v.grant!.status}  ${when}${v.grant!.overdue ? '  ⚠ revoke overdue' : ''}`);
        }
      }
      return EXIT.ok;
    } finally {
      await app.close();
    }
  }
  if (command === 'revoke') {
    const { values, positionals } = parseArgs({ args: rest, options: { reason: { type: 'string' }, by: { type: 'string' }, help: { type: 'boolean' } }, allowPositionals: true, strict: true });
    if (values.help) return (io.out('usage: accessbot grants revoke AR-42 --reason TEXT [--by NAME]'), EXIT.ok);
    const id = positionals[0] ? parseRequestRef(positionals[0]) : null;
    if (id === null || positionals.length !== 1) throw new UsageError(`name one request, e.g. AR-42\n${GRANTS_USAGE}`);
    if (!values.reason?.trim()) throw new UsageError('--reason is required: say why the access is being revoked');
    const app = await cliContext(io, { withProviders: true });
    try {
      const view = await revokeAccess(app.ctx, { requestId: id, actor: 'admin', adminName: values.by ?? io.env.USER ?? 'admin', reason: values.reason });
      await app.idle(); // the worker applies the revoke at the target right after commit
      const after = (await loadRequestView(app.ctx.store, app.ctx.policy, id, app.ctx.clock.now()))!;
      if (after.grant?.status === 'revoked') {
        io.out(`✓ ${view.ref} revoked at the target (${view.role} on ${view.resource} for ${displayName(view.requester)}).`);
        return EXIT.ok;
      }
      io.err(`${view.ref} is marked for revoke, but the target did not confirm yet (${after.grant?.lastError ?? after.grant?.status}); the running bot keeps retrying.`);
      return EXIT.failed;
    } finally {
      await app.close();
    }
  }
  throw new UsageError(`unknown grants command "${command}"\n${GRANTS_USAGE}`);
}
