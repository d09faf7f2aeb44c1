/**
 * The Slack fakes tests use. They live in adapters/slack/emulator because the same in-memory Slack Web API
 * emulator is product code for the local playground (DESIGN.md §10); this module only names them for tests.
 */
export { startSlackEmulator, SlackRequestSigner } from '../../adapters/slack/emulator/index.ts';
export type { SlackEmulator } from '../../adapters/slack/emulator/index.ts';
