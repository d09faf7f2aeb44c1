/** Durations as people type them: 45s, 30m, 2h, 1h30m, 1d (units in descending order, each at most once). */
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
type Unit = keyof typeof UNIT_MS;
const ORDER: Unit[] = ['d', 'h', 'm', 's'];
const PART = /(\d{1,6})([dhms])/gy;

export const DURATION_EXAMPLES = 'try 30m, 2h, 1h30m, 1d';

/** Returns milliseconds, or null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const input = text.trim().toLowerCase();
  if (input === '') return null;
  PART.lastIndex = 0;
  let total = 0;
  let lastUnit = -1;
  let consumed = 0;
  for (let match = PART.exec(input); match; match = PART.exec(input)) {
    const unitIndex = ORDER.indexOf(match[2] as Unit);
    if (unitIndex <= lastUnit) return null;
    lastUnit = unitIndex;
    total += Number(match[1]) * UNIT_MS[match[2] as Unit];
    consumed = PART.lastIndex;
  }
  if (consumed !== input.length || total <= 0) return null;
  return total;
}

/** 5400000 → "1h30m"; always round-trips through parseDuration. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  let rest = Math.round(ms / 1000) * 1000;
  let out = '';
  for (const unit of ORDER) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * UNIT_MS[unit];
    }
  }
  return out || '0s';
}

export function isDuration(text: string): boolean {
  return parseDuration(text) !== null;
}
