/** A recently ended grant in `/access` and App Home: how it ended and what happened during it. */
import type { RequestView } from '../../app/request-view.ts';
import { endedText, refAndRole } from '../describe.ts';
import type { Block } from '../message.ts';
import { rich, text } from '../rich-text.ts';

export function endedItem(view: RequestView): Block[] {
  const activity = view.grant?.activity;
  return [{ type: 'paragraph', text: rich(refAndRole(view), ' · ⏹️ ', endedText(view), activity ? rich('\nActivity: ', text(activity, 300)) : null), id: `ended_${view.id}` }];
}
