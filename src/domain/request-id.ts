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
