/**
 * True once `done()` holds, false after `timeoutMs`; checked every 20 ms. Benchmarks wait for an emulator or a
 * store to catch up this way: polling, not a callback per change, because a scan per change grows with the run.
 */
export async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
