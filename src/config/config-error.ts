/** The environment is unusable; every problem is listed. Its own module so the CLI can catch it without loading zod. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`accessbot cannot start; fix the environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
