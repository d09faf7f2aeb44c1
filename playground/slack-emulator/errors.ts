/** A Slack Web API error answer (`{ ok: false, error }`), thrown inside method handlers. */
export class SlackApiError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
    this.name = 'SlackApiError';
  }

  body(): Record<string, unknown> {
    return { ok: false, error: this.error, ...this.extra };
  }
}
