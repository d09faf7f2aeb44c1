/**
 * The Slack fakes tests use. They live in playground/slack-emulator because the same in-memory Slack Web API
 * emulator serves the local playground (DESIGN.md §2); this module only names them for tests.
 */
export { startSlackEmulator, SlackRequestSigner } from '../../playground/slack-emulator/index.ts';
export type { SlackEmulator } from '../../playground/slack-emulator/index.ts';
