/** Types for mrkdwn.js (plain JavaScript served to the browser as it is), for the tests that import it. */
export interface Names {
  user(id: string): string | undefined;
  channel(id: string): string | undefined;
}
export interface TextObject {
  type: 'plain_text' | 'mrkdwn';
  text: string;
}
export function formatSlackDate(seconds: number, format: string): string;
export function mrkdwnToHtml(text: string, names: Names): string;
export function plainToHtml(text: string): string;
export function textObject(object: TextObject | undefined, names: Names): string;
export function escapeHtml(text: string): string;
