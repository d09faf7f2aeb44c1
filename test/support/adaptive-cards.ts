/**
 * Adaptive Card checks with Microsoft's own parser (the `adaptivecards` package, as Teams clients use it):
 * every problem the parser reports while reading a card, plus its validation failures, and Teams' size limit.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The package's ES build imports extension-less paths; its UMD bundle loads in Node as is.
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

/** Teams refuses cards (with their message) over about 28 KB. */
export const TEAMS_CARD_MAX_BYTES = 28 * 1024;

export function cardProblems(card: unknown): string[] {
  const problems: string[] = [];
  if (typeof card !== 'object' || card === null) return ['not an object'];
  const json = card as Record<string, unknown>;
  if (json.type !== 'AdaptiveCard') problems.push(`type is ${String(json.type)}`);
  if (json.version !== '1.5') problems.push(`version is ${String(json.version)}, not 1.5`);
  const size = Buffer.byteLength(JSON.stringify(card));
  if (size > TEAMS_CARD_MAX_BYTES) problems.push(`${size} bytes is over Teams' limit`);
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  parsed.parse(json, context);
  for (let i = 0; i < context.eventCount; i++) problems.push(`parse: ${context.getEventAt(i).message}`);
  const validation = parsed.validateProperties();
  for (const event of validation.validationEvents) problems.push(`validate: ${event.message}`);
  return problems;
}
