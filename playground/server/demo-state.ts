/**
 * The demo production system's state file (written by playground/demo-system/demo-system.mjs, run by the exec
 * provider): read for the page, and watched so the page updates the moment access appears or disappears.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { z } from 'zod';

const accessSchema = z.object({
  grant: z.string(),
  request: z.string().optional(),
  who: z.string(),
  role: z.string().optional(),
  access: z.record(z.string(), z.unknown()).optional(),
  since: z.string().optional(),
  until: z.string().optional(),
  approvedBy: z.array(z.string()).optional(),
});

const stateSchema = z.object({
  system: z.string().default('demo production system'),
  access: z.array(accessSchema).default([]),
  history: z.array(z.object({ at: z.string(), event: z.string(), who: z.string(), role: z.string().optional(), until: z.string().optional() })).default([]),
  updatedAt: z.string().optional(),
});

export type DemoSystemState = z.infer<typeof stateSchema>;

const EMPTY: DemoSystemState = { system: 'demo production system', access: [], history: [] };

export function readDemoState(file: string): DemoSystemState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return EMPTY; // nothing granted yet
  }
  try {
    const parsed = stateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : EMPTY;
  } catch {
    return EMPTY;
  }
}

/** Calls `onChange` whenever the file changes (polled, which works on every file system); returns the stop function. */
export function watchDemoState(file: string, onChange: () => void, intervalMs = 250): () => void {
  const listener = (): void => onChange();
  watchFile(file, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(file, listener);
}
