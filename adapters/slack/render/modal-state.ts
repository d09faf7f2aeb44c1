/** Reading `view.state.values` from a view_submission, checked with zod at the boundary. */
import { z } from 'zod';

const selectedOption = z.object({ value: z.string() });
const stateValue = z.object({
  type: z.string(),
  value: z.string().nullish(),
  selected_option: selectedOption.nullish(),
  selected_options: z.array(selectedOption).nullish(),
});
const stateValues = z.record(z.string(), z.record(z.string(), stateValue));
export type ParsedStateValues = z.infer<typeof stateValues>;

/** Parsed values; anything malformed reads as empty, so the core answers with its usual "what was wrong". */
export function readState(values: unknown): ParsedStateValues {
  const parsed = stateValues.safeParse(values);
  return parsed.success ? parsed.data : {};
}

/** The text or selected value of an input whose block_id and action_id are both `id`. */
export function textOf(state: ParsedStateValues, id: string): string {
  const entry = state[id]?.[id];
  return (entry?.value ?? entry?.selected_option?.value ?? '').trim();
}

export function selectedValuesOf(state: ParsedStateValues, id: string): string[] {
  return state[id]?.[id]?.selected_options?.map((o) => o.value) ?? [];
}
