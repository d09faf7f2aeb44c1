/** The Slack Web API emulator: an in-memory workspace on the wire, plus a signer for Slack → app requests. */
export { SlackEmulator, DEFAULT_BOT, DEFAULT_BOT_TOKEN, DEFAULT_TEAM, type WireRequest, type WireResponse } from './emulator.ts';
export { startSlackEmulator, slackEmulatorRouter } from './server.ts';
export { SlackApiError } from './errors.ts';
export {
  SLACK_LIMITS,
  blockProblems,
  checkMessageLimits,
  checkViewLimits,
  codePointLength,
  limitErrorBody,
  type LimitProblem,
  type SlackLimitError,
  type SlackLimits,
  type MessageContent,
} from './limits.ts';
export { SlackRequestSigner, postToApp, type SignedRequest, type SignOptions, type SignerOptions, type AppResponse } from './sign.ts';
export { stateValue, type StateValue, type StateValues, type SelectedOption } from './state-values.ts';
export type * from './types.ts';
