/** A start-up problem an operator must fix (bad policy, unusable settings); printed as is, exit 1. */
export class StartupError extends Error {
  override name = 'StartupError';
}
