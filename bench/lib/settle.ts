/**
 * Waiting for follow-up work that arrives piece by piece (cards posted, grant notices sent) after a burst of
 * requests. It ends as soon as `progress()` reaches `target`; when neither progress nor `activity()` (other work
 * still going on, such as calls to the Slack emulator) has moved for `stallMs`, the wait ends there too and says
 * so, instead of sitting out a long cap (`capMs` bounds a wait that keeps crawling).
 * Polls every 20 ms, as `until` does.
 */
export interface Settled {
  settled: boolean;
  /** How long the wait took (ms). */
  ms: number;
  /** Where progress stood when the wait ended. */
  reached: number;
  /** The wait ended because nothing moved for `stallMs` (else, when not settled, because of `capMs`). */
  stalled: boolean;
}

export async function settle(progress: () => number, target: number, { stallMs, capMs, activity = () => 0 }: { stallMs: number; capMs: number; activity?: () => number }): Promise<Settled> {
  const started = Date.now();
  let reached = progress();
  let busy = activity();
  let movedAt = started;
  for (;;) {
    const now = Date.now();
    if (reached >= target) return { settled: true, ms: now - started, reached, stalled: false };
    if (now - movedAt > stallMs) return { settled: false, ms: now - started, reached, stalled: true };
    if (now - started > capMs) return { settled: false, ms: now - started, reached, stalled: false };
    await new Promise((resolve) => setTimeout(resolve, 20));
    const next = progress();
    const nextBusy = activity();
    if (next !== reached || nextBusy !== busy) movedAt = Date.now();
    reached = next;
    busy = nextBusy;
  }
}
