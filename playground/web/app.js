/* global document, window, fetch, EventSource, localStorage, setTimeout, clearTimeout, setInterval */
/**
 * The playground page: pick who you are, read the channels, DMs and App Home the bot writes to, type slash
 * commands, click buttons, fill in forms. Each action goes to the playground server, which sends it to the bot
 * exactly as Slack would; server-sent events say when something changed, and the page fetches the new state.
 */
import { renderBlocks, StateCollector } from './blockkit.js';
import { escapeHtml, mrkdwnToHtml, plainToHtml, textObject } from './mrkdwn.js';

const $ = (id) => document.getElementById(id);
const HOME = 'home';

const ui = {
  me: localStorage.getItem('playground.me') || null,
  place: localStorage.getItem('playground.place') || null,
  state: null,
  modalErrors: null,
  modalKey: null,
};

async function api(path, body) {
  const response = await fetch(`/playground/api/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(json.error || `HTTP ${response.status}`);
  return json;
}

let toastTimer = null;
function toast(message) {
  const node = $('toast');
  node.textContent = message;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (node.hidden = true), 6000);
}

const names = {
  user: (id) => {
    if (ui.state?.bot.id === id) return ui.state.bot.name;
    return ui.state?.people.find((p) => p.id === id)?.name;
  },
  channel: (id) => ui.state?.conversations.find((c) => c.id === id)?.name,
};

let refreshing = null;
let again = false;
/** Fetch and draw the state; calls during a fetch coalesce into one more. */
function refresh() {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = load().finally(() => {
    refreshing = null;
    if (again) {
      again = false;
      void refresh();
    }
  });
  return refreshing;
}

async function load() {
  try {
    ui.state = await api(ui.me ? `state?user=${encodeURIComponent(ui.me)}` : 'state');
  } catch (error) {
    if (ui.me) {
      ui.me = null; // someone from an earlier run's policy: start with the first person
      again = true;
    } else toast(error.message);
    return;
  }
  ui.me = ui.state.me;
  render();
}

function render() {
  renderPeople();
  renderNav();
  renderConversation();
  renderSystem();
  renderModal();
}

function renderPeople() {
  const root = $('people');
  root.replaceChildren();
  for (const person of ui.state.people) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `person${person.id === ui.me ? ' active' : ''}`;
    button.dataset.user = person.id;
    button.setAttribute('role', 'radio');
    button.setAttribute('aria-checked', String(person.id === ui.me));
    const kind = person.kinds.includes('approver') ? 'approver' : person.kinds.includes('requester') ? 'requester' : 'outsider';
    button.innerHTML = `<span class="avatar">${escapeHtml(person.name[0].toUpperCase())}</span><span class="person-name">${escapeHtml(person.name)}</span><span class="badge badge-${kind}">${kind}</span>`;
    button.title = person.email ?? `Slack id ${person.id}`;
    button.addEventListener('click', () => switchTo(person.id));
    root.append(button);
  }
}

function switchTo(userId) {
  ui.me = userId;
  localStorage.setItem('playground.me', userId);
  ui.modalErrors = null;
  if (ui.place === HOME) void openHome();
  void refresh();
}

function renderNav() {
  const channels = $('channels');
  const apps = $('apps');
  channels.replaceChildren();
  apps.replaceChildren();
  const conversations = ui.state.conversations;
  if (!ui.place || (ui.place !== HOME && !conversations.some((c) => c.id === ui.place))) ui.place = conversations[0].id;
  for (const c of conversations) {
    const item = navItem(c.kind === 'dm' ? `💬 ${c.name}` : `# ${c.name}`, c.id, c.messages.length + c.private.length);
    (c.kind === 'dm' ? apps : channels).append(item);
  }
  apps.append(navItem('🏠 App Home', HOME, 0));
}

function navItem(label, place, count) {
  const li = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = `nav${ui.place === place ? ' active' : ''}`;
  button.dataset.place = place;
  button.innerHTML = `<span>${escapeHtml(label)}</span>${count ? `<span class="count">${count}</span>` : ''}`;
  button.addEventListener('click', () => go(place));
  li.append(button);
  return li;
}

function go(place) {
  ui.place = place;
  localStorage.setItem('playground.place', place);
  if (place === HOME) void openHome();
  render();
}

async function openHome() {
  try {
    await api('home', { user: ui.me });
  } catch (error) {
    toast(error.message);
  }
}

const timeOf = (ts) => new Date(Number(ts) * 1000).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function renderConversation() {
  const root = $('messages');
  const title = $('conversation-title');
  const composer = $('composer');
  const wasAtBottom = root.scrollHeight - root.scrollTop - root.clientHeight < 40;
  root.replaceChildren();
  if (ui.place === HOME) {
    title.textContent = '🏠 accessbot — App Home';
    composer.hidden = true;
    const home = ui.state.home;
    if (!home) root.append(note('Opening App Home…'));
    else root.append(renderBlocks(home.blocks, { names, onAction: (element, blockId) => act({ kind: 'view', viewId: home.id }, element, blockId) }));
    return;
  }
  composer.hidden = false;
  const conversation = ui.state.conversations.find((c) => c.id === ui.place);
  title.textContent = conversation.kind === 'dm' ? `💬 ${conversation.name} (direct messages)` : `# ${conversation.name}`;
  const items = [
    ...conversation.messages.map((m) => ({ ts: Number(m.ts), node: () => messageNode(m, { kind: 'message', channel: conversation.id, ts: m.ts }) })),
    ...conversation.private.map((m) => ({ ts: Number(m.ts), node: () => messageNode({ ...m, replies: [] }, { kind: 'ephemeral', ts: m.ts }, true) })),
  ].sort((a, b) => a.ts - b.ts);
  if (items.length === 0) root.append(note(conversation.id === ui.state.conversations[0].id ? 'No requests yet. Type /request-access below — or pick a channel.' : 'Nothing here yet.'));
  for (const item of items) root.append(item.node());
  if (wasAtBottom || ui.lastPlace !== ui.place) root.scrollTop = root.scrollHeight;
  ui.lastPlace = ui.place;
}

function note(text) {
  const p = document.createElement('p');
  p.className = 'empty';
  p.textContent = text;
  return p;
}

function messageNode(message, source, ephemeral = false) {
  const node = document.createElement('article');
  node.className = `message${ephemeral ? ' ephemeral' : ''}`;
  node.dataset.ts = message.ts;
  const head = `<div class="message-head"><span class="avatar bot">🔑</span><strong>accessbot</strong> <span class="app-tag">APP</span> <span class="time">${timeOf(message.ts)}</span>${message.edited ? ' <span class="edited">(edited)</span>' : ''}${ephemeral ? ' <span class="only-you">Only visible to you</span>' : ''}</div>`;
  node.innerHTML = head;
  const body = document.createElement('div');
  body.className = 'message-body';
  if (message.blocks?.length) body.append(renderBlocks(message.blocks, { names, onAction: (element, blockId) => act(source, element, blockId, message) }));
  else body.innerHTML = mrkdwnToHtml(message.text, names);
  node.append(body);
  if (message.replies?.length) {
    const thread = document.createElement('div');
    thread.className = 'thread';
    thread.innerHTML = `<div class="thread-title">🧵 ${message.replies.length} ${message.replies.length === 1 ? 'reply' : 'replies'}</div>`;
    for (const reply of message.replies) thread.append(messageNode(reply, { kind: 'message', channel: source.channel, ts: reply.ts }));
    node.append(thread);
  }
  return node;
}

/** A click on an interactive element: confirm first when the element asks for it. */
async function act(source, element, blockId) {
  if (element.confirm && !(await confirmDialog(element.confirm))) return;
  const action = {
    actionId: element.action_id,
    ...(blockId ? { blockId } : {}),
    ...(element.value !== undefined ? { value: String(element.value) } : {}),
    ...(element.text?.text ? { text: element.text.text } : {}),
    ...(element.style ? { style: element.style } : {}),
  };
  try {
    await api('click', { user: ui.me, source, action });
  } catch (error) {
    toast(error.message);
  }
}

function confirmDialog(confirm) {
  const layer = $('confirm-layer');
  return new Promise((resolve) => {
    layer.innerHTML = `<div class="dialog confirm" role="alertdialog" aria-modal="true">
      <h3>${textObject(confirm.title, names)}</h3>
      <div class="dialog-body">${textObject(confirm.text, names)}</div>
      <div class="dialog-buttons"><button type="button" class="cancel">${escapeHtml(confirm.deny?.text ?? 'Cancel')}</button>
      <button type="button" class="bk-button ${confirm.style === 'danger' ? 'bk-danger' : 'bk-primary'} ok">${escapeHtml(confirm.confirm?.text ?? 'Yes')}</button></div></div>`;
    layer.hidden = false;
    const done = (answer) => {
      layer.hidden = true;
      layer.replaceChildren();
      resolve(answer);
    };
    layer.querySelector('.ok').addEventListener('click', () => done(true));
    layer.querySelector('.cancel').addEventListener('click', () => done(false));
  });
}

function renderModal() {
  const layer = $('modal-layer');
  const modal = ui.state.modal;
  if (!modal) {
    layer.hidden = true;
    layer.replaceChildren();
    ui.modalKey = null;
    return;
  }
  const key = `${modal.id}:${modal.hash}`;
  if (ui.modalKey === key && !layer.hidden) return; // keep what the person typed
  ui.modalKey = key;
  const state = new StateCollector();
  const dialog = document.createElement('form');
  dialog.className = 'dialog modal';
  dialog.setAttribute('role', 'dialog');
  dialog.setAttribute('aria-modal', 'true');
  dialog.innerHTML = `<h3 class="modal-title">${plainToHtml(modal.title?.text ?? '')}</h3>`;
  dialog.append(renderBlocks(modal.blocks, { names, state, errors: ui.modalErrors, onAction: (element, blockId) => act({ kind: 'view', viewId: modal.id }, element, blockId) }));
  const buttons = document.createElement('div');
  buttons.className = 'dialog-buttons';
  buttons.innerHTML = `<button type="button" class="cancel">${escapeHtml(modal.close?.text ?? 'Cancel')}</button>${modal.submit ? `<button type="submit" class="bk-button bk-primary">${escapeHtml(modal.submit.text)}</button>` : ''}`;
  dialog.append(buttons);
  buttons.querySelector('.cancel').addEventListener('click', async () => {
    ui.modalErrors = null;
    await api('close', { user: ui.me, viewId: modal.id }).catch((error) => toast(error.message));
  });
  dialog.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const outcome = await api('submit', { user: ui.me, viewId: modal.id, values: state.values() });
      ui.modalErrors = outcome.errors;
      if (outcome.errors) {
        ui.modalKey = null;
        renderModalErrors(dialog, outcome.errors);
      }
    } catch (error) {
      toast(error.message);
    }
  });
  layer.replaceChildren(dialog);
  layer.hidden = false;
  dialog.querySelector('input, select, textarea')?.focus();
}

/** Show inline errors without losing what was typed. */
function renderModalErrors(dialog, errors) {
  for (const old of dialog.querySelectorAll('.bk-error')) old.remove();
  for (const [blockId, message] of Object.entries(errors)) {
    const block = dialog.querySelector(`.bk-input[data-block-id="${window.CSS.escape(blockId)}"]`);
    const node = document.createElement('div');
    node.className = 'bk-error';
    node.textContent = message;
    (block ?? dialog.querySelector('.blocks')).append(node);
  }
  ui.modalKey = `${ui.state.modal?.id}:${ui.state.modal?.hash}`;
}

function renderSystem() {
  const demo = ui.state.demo;
  const access = $('system-access');
  const history = $('system-history');
  if (!demo) {
    access.innerHTML = '<p class="empty">This policy has no demo system.</p>';
    history.replaceChildren();
    return;
  }
  if (demo.access.length === 0) access.innerHTML = '<p class="empty" data-empty="access">Nobody holds access right now.</p>';
  else {
    access.innerHTML = `<table class="access"><thead><tr><th>Who</th><th>Role</th><th>Access</th><th>Until</th></tr></thead><tbody>${demo.access
      .map(
        (a) =>
          `<tr data-grant="${escapeHtml(a.grant)}"><td>${escapeHtml(a.who)}</td><td>${escapeHtml(a.role ?? '')}</td><td>${escapeHtml(Object.values(a.access ?? {}).join(', '))}</td><td><time datetime="${escapeHtml(a.until ?? '')}">${a.until ? escapeHtml(new Date(a.until).toLocaleTimeString()) : ''}</time><br><span class="left" data-until="${escapeHtml(a.until ?? '')}"></span></td></tr>`,
      )
      .join('')}</tbody></table>`;
  }
  history.innerHTML = demo.history
    .map((h) => `<li><span class="time">${escapeHtml(new Date(h.at).toLocaleTimeString())}</span> <strong>${escapeHtml(h.event)}</strong> ${escapeHtml(h.role ?? '')} — ${escapeHtml(h.who)}</li>`)
    .join('');
  tick();
}

/** Countdowns next to each holder's expiry. */
function tick() {
  for (const node of document.querySelectorAll('.left[data-until]')) {
    const ms = new Date(node.dataset.until).getTime() - Date.now();
    node.textContent = Number.isFinite(ms) ? (ms > 0 ? `(${Math.ceil(ms / 1000)} s left)` : '(expired; revoking…)') : '';
  }
}

$('composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const box = $('message-box');
  const text = box.value.trim();
  if (!text) return;
  try {
    await api('command', { user: ui.me, channel: ui.place, text });
    box.value = '';
  } catch (error) {
    toast(error.message);
  }
});

function listen() {
  const events = new EventSource('/playground/api/events');
  events.addEventListener('change', () => void refresh());
  events.onerror = () => {
    events.close();
    setTimeout(listen, 1000);
  };
}

setInterval(tick, 1000);
window.playground = ui; // for the curious, in the browser console
listen();
