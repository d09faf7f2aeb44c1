/** Builders for `view.state.values` entries exactly as Slack sends them in view_submission / block_actions. */

export type StateValue =
  | { type: 'plain_text_input'; value: string | null }
  | { type: 'static_select'; selected_option: SelectedOption | null }
  | { type: 'checkboxes'; selected_options: SelectedOption[] }
  | { type: 'radio_buttons'; selected_option: SelectedOption | null }
  | { type: 'datepicker'; selected_date: string | null };

export interface SelectedOption {
  text: { type: 'plain_text'; text: string; emoji: boolean };
  value: string;
}

/** `state.values`: block_id → action_id → value. */
export type StateValues = Record<string, Record<string, StateValue>>;

const option = (value: string, label = value): SelectedOption => ({ text: { type: 'plain_text', text: label, emoji: true }, value });

export const stateValue = {
  /** A plain_text_input; Slack sends null for an empty optional field. */
  text: (value: string | null): StateValue => ({ type: 'plain_text_input', value: value === '' ? null : value }),
  select: (value: string | null, label?: string): StateValue => ({ type: 'static_select', selected_option: value === null ? null : option(value, label) }),
  checkboxes: (values: string[]): StateValue => ({ type: 'checkboxes', selected_options: values.map((v) => option(v)) }),
  radio: (value: string | null): StateValue => ({ type: 'radio_buttons', selected_option: value === null ? null : option(value) }),
};
