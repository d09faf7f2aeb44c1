/**
 * Runbook actions in chat: the holder's private answer (what ran, how it ended, its output), the question when
 * several grants have the action, the "are you sure?" for `confirm: true` actions, and the one line in the
 * request's thread. Output and names are kept as typed; renderers escape them.
 */
import type { Notice } from '../../app/ports.ts';
import type { ActionRun, RunActionAnswer } from '../../app/run-action.ts';
import type { RequestView } from '../../app/request-view.ts';
import { formatDuration } from '../../domain/duration.ts';
import type { ActionDef } from '../../domain/policy.ts';
import { refAndRole } from '../describe.ts';
import type { Block, Button, ChatMessage } from '../message.ts';
import { bold, code, mention, quote, rich, text, type RichText } from '../rich-text.ts';
import type { RequestId } from '../../domain/request-id.ts';

/** Output lines shown to the holder in chat (each cut), and characters in all; the audit keeps an excerpt too. */
const SHOWN_LINES = 40;
const SHOWN_LINE_MAX = 200;

const took = (ms: number): string => (ms < 1000 ? `${ms} ms` : formatDuration(Math.round(ms / 1000) * 1000));

function outcomeText(outcome: string, exitCode: number | null): string {
  if (outcome === 'failed' && exitCode !== null) return `failed (exit ${exitCode})`;
  return outcome;
}

const icon = (outcome: string): string => (outcome === 'succeeded' ? '✅' : outcome.startsWith('stopped') ? '⏹️' : '❗');

/** The button that runs `action` on the grant of `requestId` (confirmed by a dialog when the action asks for it). */
export function runActionButton(action: Pick<ActionDef, 'name' | 'description' | 'confirm'>, requestId: RequestId, label = `Run ${action.name}`): Button {
  return {
    action: 'run_action',
    requestId,
    actionName: action.name,
    label,
    ...(action.confirm ? { confirm: { title: `Run ${action.name}?`, text: action.description, yes: 'Run it', no: 'Cancel' } } : {}),
  };
}

export function actionRunAnswer(run: ActionRun): ChatMessage {
  const head = rich(icon(run.outcome), ' ', code(run.action, 64), ` on ${run.ref} ${outcomeText(run.outcome, run.exitCode)} after ${took(run.durationMs)}.`);
  const lines = run.output.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
  const shown = run.output.trim() === '' ? [] : lines.slice(-SHOWN_LINES);
  const body: RichText = shown.length
    ? rich(
        lines.length > shown.length ? text(`\n(last ${shown.length} of ${lines.length} lines)`) : null,
        ...shown.map((line) => rich('\n', quote(line === '' ? ' ' : line, SHOWN_LINE_MAX))),
      )
    : rich('\n(no output)');
  const note = run.outputTruncated ? rich(`Output was cut at ${Math.round(run.output.length / 1024)} KB of ${Math.round(run.outputBytes / 1024)} KB.`) : null;
  const blocks: Block[] = [{ type: 'paragraph', text: rich(head, body) }];
  if (note) blocks.push({ type: 'note', text: note });
  return { summary: head, blocks };
}

export function chooseGrantAnswer(action: string, grants: readonly RequestView[], confirm: boolean): ChatMessage {
  const summary = rich(`You hold several active grants with `, code(action, 64), ': which one should it run on?');
  const buttons = grants.slice(0, 5).map((view) => runActionButton({ name: action, description: `Run ${action} on ${view.ref} (${view.role}).`, confirm }, view.id, `${view.ref} (${view.role})`));
  return { summary, blocks: [{ type: 'paragraph', text: summary }, { type: 'buttons', id: 'run_action_choose', buttons }] };
}

export function confirmActionAnswer(action: ActionDef, view: RequestView): ChatMessage {
  const summary = rich('Run ', code(action.name, 64), ' on ', refAndRole(view), '?');
  return {
    summary,
    blocks: [
      { type: 'paragraph', text: rich(summary, '\n', text(action.description, 300)) },
      { type: 'buttons', id: 'run_action_confirm', buttons: [{ ...runActionButton({ ...action, confirm: false }, view.id, `Run ${action.name}`), style: 'danger' }] },
    ],
  };
}

export function runActionReply(answer: RunActionAnswer): ChatMessage {
  switch (answer.kind) {
    case 'choose':
      return chooseGrantAnswer(answer.action, answer.grants, answer.confirm);
    case 'confirm':
      return confirmActionAnswer(answer.action, answer.view);
    case 'ran':
      return actionRunAnswer(answer.run);
  }
}

/** The line in the card's thread: "▶️ @alice ran restart-api: succeeded after 3s." */
export function actionThreadLine(view: RequestView, notice: Extract<Notice, { type: 'action.ran' }>): RichText {
  return rich('▶️ ', mention(view.requester), ' ran ', bold(notice.action, 64), `: ${outcomeText(notice.outcome, notice.exitCode)} after ${took(notice.durationMs)}.`);
}

/** Buttons for each action of an active grant (the holder's DM, App Home, Teams personal chat). */
export function actionButtons(view: RequestView, actions: readonly ActionDef[], now: number): Block[] {
  if (actions.length === 0 || view.grant?.status !== 'active' || view.grant.expiresAt <= now) return [];
  return [{ type: 'buttons', id: `actions_${view.id}`, buttons: actions.slice(0, 5).map((action) => runActionButton(action, view.id)) }];
}

