/**
 * Slack Web API methods as the emulator answers them. Each handler gets decoded arguments and returns the
 * success body (without `ok`), or throws SlackApiError with the error code Slack documents for that case.
 */
import { SlackApiError } from './errors.ts';
import { checkMessageLimits, checkViewLimits, limitErrorBody } from './limits.ts';
import type { EmulatorStore } from './store.ts';
import type { EmulatedMessage, EmulatedUser, EmulatedView } from './types.ts';

export type MethodHandler = (store: EmulatorStore, args: Record<string, unknown>) => Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optionalString = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const asArray = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);

function assertMessageFits(store: EmulatorStore, content: { text?: unknown; blocks?: unknown; attachments?: unknown }): void {
  const failure = checkMessageLimits(content, store.limits);
  if (failure) {
    const { ok: _ok, error, ...extra } = limitErrorBody(failure);
    throw new SlackApiError(String(error), extra);
  }
}

function assertViewFits(store: EmulatorStore, view: unknown): asserts view is Record<string, unknown> {
  const failure = checkViewLimits(view, store.limits);
  if (failure) {
    const { ok: _ok, error, ...extra } = limitErrorBody(failure);
    throw new SlackApiError(String(error), extra);
  }
}

/** Channels for update/delete/ephemeral must be conversation ids or names, not user ids. */
function resolveExistingChannel(store: EmulatorStore, raw: unknown): string {
  if (typeof raw === 'string' && /^[UW][A-Z0-9]+$/.test(raw)) throw new SlackApiError('channel_not_found');
  return store.workspace.resolveChannel(raw, false);
}

export function wireMessage(store: EmulatorStore, m: EmulatedMessage): Record<string, unknown> {
  const current = m.history[m.history.length - 1];
  return {
    type: 'message',
    user: m.user,
    bot_id: m.botId,
    app_id: store.bot.appId,
    team: store.team.id,
    text: m.text,
    ts: m.ts,
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.attachments ? { attachments: m.attachments } : {}),
    ...(current?.editedAt ? { edited: { user: m.user, ts: current.editedAt } } : {}),
  };
}

export function wireUser(store: EmulatorStore, u: EmulatedUser): Record<string, unknown> {
  const realName = u.realName ?? u.name;
  return {
    id: u.id,
    team_id: u.teamId ?? store.team.id,
    name: u.name,
    deleted: u.deleted ?? false,
    real_name: realName,
    tz: u.tz ?? 'Europe/Berlin',
    is_bot: u.isBot ?? false,
    is_admin: false,
    is_app_user: false,
    profile: {
      real_name: realName,
      real_name_normalized: realName,
      display_name: u.name,
      display_name_normalized: u.name,
      ...(u.email ? { email: u.email } : {}),
      team: u.teamId ?? store.team.id,
    },
  };
}

function fullView(store: EmulatorStore, input: Record<string, unknown>, id: string, chain: { previous: string | null; root: string }): Record<string, unknown> {
  return {
    id,
    team_id: store.team.id,
    type: input.type,
    blocks: input.blocks,
    private_metadata: input.private_metadata ?? '',
    callback_id: input.callback_id ?? '',
    state: { values: {} },
    hash: store.newHash(),
    title: input.title ?? null,
    clear_on_close: input.clear_on_close ?? false,
    notify_on_close: input.notify_on_close ?? false,
    close: input.close ?? null,
    submit: input.submit ?? null,
    previous_view_id: chain.previous,
    root_view_id: chain.root,
    app_id: store.bot.appId,
    external_id: input.external_id ?? '',
    app_installed_team_id: store.team.id,
    bot_id: store.bot.botId,
  };
}

function requireModal(view: Record<string, unknown>): void {
  if (view.type !== 'modal') throw new SlackApiError('invalid_arguments', { response_metadata: { messages: ['[ERROR] must be modal [json-pointer:/view/type]'] } });
}

function updateView(store: EmulatorStore, target: EmulatedView, input: Record<string, unknown>): Record<string, unknown> {
  const next = fullView(store, input, String(target.view.id), {
    previous: (target.view.previous_view_id as string | null) ?? null,
    root: String(target.view.root_view_id ?? target.view.id),
  });
  target.history.push(next);
  target.view = next;
  return next;
}

export const METHODS: Record<string, MethodHandler> = {
  'api.test': (_store, args) => ({ args }),

  'auth.test': (store) => ({
    url: `https://${store.team.domain}.slack.com/`,
    team: store.team.name,
    user: store.bot.name,
    team_id: store.team.id,
    user_id: store.bot.userId,
    bot_id: store.bot.botId,
    is_enterprise_install: false,
  }),

  'chat.postMessage': (store, args) => {
    const channel = store.workspace.resolveChannel(args.channel, true);
    assertMessageFits(store, args);
    const ts = store.nextTs();
    const text = typeof args.text === 'string' ? args.text : '';
    const blocks = asArray(args.blocks);
    const attachments = asArray(args.attachments);
    const message: EmulatedMessage = {
      channel,
      ts,
      threadTs: optionalString(args.thread_ts) ?? null,
      user: store.bot.userId,
      botId: store.bot.botId,
      text,
      blocks,
      attachments,
      metadata: args.metadata,
      deleted: false,
      history: [{ text, blocks, attachments, editedAt: null }],
    };
    store.channelMessages(channel).push(message);
    return { channel, ts, message: wireMessage(store, message) };
  },

  'chat.getPermalink': (store, args) => {
    const channel = resolveExistingChannel(store, args.channel);
    const ts = String(args.message_ts ?? '');
    store.findMessage(channel, ts);
    return { channel, permalink: `https://${store.team.domain}.slack.com/archives/${channel}/p${ts.replace('.', '')}` };
  },

  'chat.update': (store, args) => {
    const channel = resolveExistingChannel(store, args.channel);
    const message = store.findMessage(channel, String(args.ts ?? ''));
    if (message.user !== store.bot.userId) throw new SlackApiError('cant_update_message');
    const text = typeof args.text === 'string' ? args.text : message.text;
    const blocks = args.blocks === undefined ? message.blocks : asArray(args.blocks);
    const attachments = args.attachments === undefined ? message.attachments : asArray(args.attachments);
    assertMessageFits(store, { text, blocks: args.blocks === undefined ? blocks : args.blocks, attachments });
    message.text = text;
    message.blocks = blocks;
    message.attachments = attachments;
    message.history.push({ text, blocks, attachments, editedAt: store.nextTs() });
    return { channel, ts: message.ts, text, message: wireMessage(store, message) };
  },

  'chat.postEphemeral': (store, args) => {
    const channel = resolveExistingChannel(store, args.channel);
    const user = optionalString(args.user);
    if (!user || !store.workspace.user(user) || !store.workspace.canSeeEphemeral(channel, user)) throw new SlackApiError('user_not_in_channel');
    assertMessageFits(store, args);
    const ts = store.nextTs();
    store.ephemerals.push({
      via: 'chat.postEphemeral',
      channel,
      user,
      responseUrlId: null,
      text: typeof args.text === 'string' ? args.text : '',
      blocks: asArray(args.blocks),
      replaceOriginal: false,
      deleteOriginal: false,
      responseType: 'ephemeral',
      ts,
    });
    return { message_ts: ts };
  },

  'chat.delete': (store, args) => {
    const channel = resolveExistingChannel(store, args.channel);
    const message = store.findMessage(channel, String(args.ts ?? ''));
    if (message.user !== store.bot.userId) throw new SlackApiError('cant_delete_message');
    message.deleted = true;
    return { channel, ts: message.ts };
  },

  'conversations.open': (store, args) => {
    const existing = optionalString(args.channel);
    if (existing) return { channel: { id: resolveExistingChannel(store, existing) }, already_open: true };
    const users = String(args.users ?? '').split(',').map((u) => u.trim()).filter(Boolean);
    if (users.length === 0) throw new SlackApiError('users_list_not_supplied');
    if (users.length > 1) throw new SlackApiError('not_supported', { detail: 'the emulator opens one-to-one DMs only' });
    return { channel: { id: store.workspace.openIm(users[0]!) } };
  },

  'users.info': (store, args) => {
    const user = store.workspace.user(String(args.user ?? ''));
    if (!user) throw new SlackApiError('user_not_found');
    return { user: wireUser(store, user) };
  },

  'users.lookupByEmail': (store, args) => {
    const user = store.workspace.userByEmail(String(args.email ?? ''));
    if (!user) throw new SlackApiError('users_not_found');
    return { user: wireUser(store, user) };
  },

  'usergroups.users.list': (store, args) => {
    const group = store.workspace.usergroup(String(args.usergroup ?? ''));
    if (!group) throw new SlackApiError('no_such_subteam');
    return { users: [...group.users] };
  },

  'views.open': (store, args) => {
    assertViewFits(store, args.view);
    requireModal(args.view);
    const user = store.exchangeTrigger(args.trigger_id);
    const id = store.newViewId();
    const view = fullView(store, args.view, id, { previous: null, root: id });
    store.views.push({ id, via: 'open', user, triggerId: String(args.trigger_id), view, history: [view] });
    return { view };
  },

  'views.push': (store, args) => {
    assertViewFits(store, args.view);
    requireModal(args.view);
    const user = store.exchangeTrigger(args.trigger_id);
    const top = user ? [...store.views].reverse().find((v) => v.user === user && v.via !== 'publish') : undefined;
    const root = top ? String(top.view.root_view_id) : null;
    if (root && store.views.filter((v) => v.view.root_view_id === root).length >= 3) throw new SlackApiError('push_limit_reached');
    const id = store.newViewId();
    const view = fullView(store, args.view, id, { previous: top ? String(top.view.id) : null, root: root ?? id });
    store.views.push({ id, via: 'push', user, triggerId: String(args.trigger_id), view, history: [view] });
    return { view };
  },

  'views.update': (store, args) => {
    if (optionalString(args.view_id) === undefined && optionalString(args.external_id) === undefined) throw new SlackApiError('invalid_arguments');
    assertViewFits(store, args.view);
    const target = store.findView(args.view_id, args.external_id);
    if (!target) throw new SlackApiError('not_found');
    const hash = optionalString(args.hash);
    if (hash && hash !== target.view.hash) throw new SlackApiError('hash_conflict');
    return { view: updateView(store, target, args.view) };
  },

  'views.publish': (store, args) => {
    const userId = String(args.user_id ?? '');
    if (!store.workspace.user(userId)) throw new SlackApiError('user_not_found');
    assertViewFits(store, args.view);
    if (args.view.type !== 'home') throw new SlackApiError('invalid_arguments', { response_metadata: { messages: ['[ERROR] must be home [json-pointer:/view/type]'] } });
    const existing = store.homeView(userId);
    const hash = optionalString(args.hash);
    if (existing && hash && hash !== existing.view.hash) throw new SlackApiError('hash_conflict');
    if (existing) return { view: updateView(store, existing, args.view) };
    const id = store.newViewId();
    const view = fullView(store, args.view, id, { previous: null, root: id });
    const record: EmulatedView = { id, via: 'publish', user: userId, triggerId: null, view, history: [view] };
    store.views.push(record);
    store.setHomeView(userId, record);
    return { view };
  },
};

export function isObjectValue(v: unknown): v is Record<string, unknown> {
  return isObject(v);
}
