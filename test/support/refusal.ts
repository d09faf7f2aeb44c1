/** The core's refusal a promise rejects with; fails the test when it resolves or rejects with anything else. */
import { expect } from 'vitest';
import { AccessError } from '../../src/domain/errors.ts';

export async function refusal(promise: Promise<unknown>): Promise<AccessError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AccessError);
  return error as AccessError;
}
