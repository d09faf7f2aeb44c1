/**
 * A request's identity. Inside the product it is a branded number, so a grant id, a count or a sequence number
 * cannot be passed where a request is meant; people see it as "AR-42", and only the chat and CLI edges format
 * (`requestRef`) or parse (`parseRequestRef`) that form.
 */
export type RequestId = number & { readonly __brand: 'RequestId' };

/** A number read from the store or a validated payload, as a request id. */
export function asRequestId(value: number): RequestId {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`not a request id: ${value}`);
  return value as RequestId;
}

/** Short id shown to people: "AR-42". */
export const requestRef = (id: RequestId): string => `AR-${id}`;

/** "AR-42", "ar-42" or "42" → 42; anything else → null. */
export function parseRequestRef(text: string): RequestId | null {
  const match = /^(?:ar-)?(\d{1,12})$/i.exec(text.trim());
  if (!match) return null;
  const value = Number(match[1]);
  return value >= 1 ? (value as RequestId) : null;
}

/** A request id carried in a button payload or form metadata: a positive integer or its digits; anything else → null. */
export function parseRequestIdValue(value: unknown): RequestId | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? (value as RequestId) : null;
  return typeof value === 'string' && /^\d{1,12}$/.test(value) && Number(value) > 0 ? (Number(value) as RequestId) : null;
}
