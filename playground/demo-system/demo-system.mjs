#!/usr/bin/env node
/* global process */
/**
 * The playground's stand-in for a production system, run by accessbot's real `exec` provider (see the
 * `demo-system` resource in examples/accessbot.yaml). It keeps who holds which access until when in a small JSON
 * file (DEMO_SYSTEM_STATE, default data/demo-system.json) that the playground page shows beside the chat.
 *
 * Like any exec target it reads the grant from ACCESSBOT_* variables, is idempotent (a grant id granted twice is
 * held once; revoking what is not held is fine) and exits 0 when done, 75 to ask for a retry.
 */
import { mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const EX_TEMPFAIL = 75;
const HISTORY = 20;
const env = process.env;
const file = resolve(env.DEMO_SYSTEM_STATE || 'data/demo-system.json');
const event = env.ACCESSBOT_EVENT;

if (!['grant', 'revoke', 'extend'].includes(event ?? '') || !env.ACCESSBOT_GRANT_ID) {
  process.stderr.write('demo-system: run me from accessbot (ACCESSBOT_EVENT and ACCESSBOT_GRANT_ID are missing)\n');
  process.exit(2);
}

/** One writer at a time: grants for different requests may run at once. A stale lock (> 10 s) is broken. */
function withLock(work) {
  const lock = `${file}.lock`;
  mkdirSync(dirname(file), { recursive: true });
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 10_000) rmSync(lock, { force: true });
      } catch {
        // gone meanwhile
      }
      if (Date.now() > deadline) process.exit(EX_TEMPFAIL);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
    }
  }
  try {
    work();
  } finally {
    rmSync(lock, { force: true });
  }
}

function readState() {
  try {
    const state = JSON.parse(readFileSync(file, 'utf8'));
    return { system: 'demo production system', access: Array.isArray(state.access) ? state.access : [], history: Array.isArray(state.history) ? state.history : [] };
  } catch {
    return { system: 'demo production system', access: [], history: [] };
  }
}

withLock(() => {
  const state = readState();
  const now = new Date().toISOString();
  const who = env.ACCESSBOT_REQUESTER_EMAIL || env.ACCESSBOT_REQUESTER_SLACK_ID || env.ACCESSBOT_REQUESTER_TEAMS_ID || 'someone';
  const entry = {
    grant: env.ACCESSBOT_GRANT_ID,
    request: env.ACCESSBOT_REQUEST_ID,
    who,
    role: env.ACCESSBOT_ROLE,
    access: JSON.parse(env.ACCESSBOT_PARAMS || '{}'),
    since: env.ACCESSBOT_STARTS_AT,
    until: env.ACCESSBOT_EXPIRES_AT,
    approvedBy: (env.ACCESSBOT_APPROVED_BY || '').split(',').filter(Boolean),
  };
  const others = state.access.filter((a) => a.grant !== entry.grant);
  const held = state.access.length !== others.length;
  if (event === 'revoke') state.access = others;
  else state.access = [...others, entry];
  if (event !== 'revoke' || held) state.history = [{ at: now, event, who, role: entry.role, until: entry.until }, ...state.history].slice(0, HISTORY);
  state.updatedAt = now;
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temp, file);
});
process.stderr.write(`demo-system: ${event} ${env.ACCESSBOT_ROLE} for ${env.ACCESSBOT_REQUESTER_EMAIL} until ${env.ACCESSBOT_EXPIRES_AT}\n`);
