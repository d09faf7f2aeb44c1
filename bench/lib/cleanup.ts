/**
 * Clean-up that must run even when a benchmark is interrupted (Ctrl-C, `kill`): throw-away databases and child
 * processes register here; the normal path calls the same functions itself in `finally` blocks.
 */
const tasks = new Set<() => Promise<void> | void>();
let hooked = false;

/** Registers `task` to run on SIGINT/SIGTERM; returns a function that runs it now (once) and unregisters it. */
export function onInterrupt(task: () => Promise<void> | void): () => Promise<void> {
  if (!hooked) {
    hooked = true;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        console.error(`\n${signal}: cleaning up…`);
        void Promise.allSettled([...tasks].map(async (t) => t())).then(() => process.exit(130));
      });
    }
  }
  let ran = false;
  tasks.add(task);
  return async () => {
    tasks.delete(task);
    if (ran) return;
    ran = true;
    await task();
  };
}
