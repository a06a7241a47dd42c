import type { ActiveFreeze } from '@shipyard/backstage-plugin-common';
import { formatAbsolute } from './RelativeTime';

/** `prod is frozen ('year end') until 31 Dec 2026, 18:00`. */
export function freezeText(workspace: string, freeze: ActiveFreeze): string {
  return `${workspace} is frozen ('${freeze.name}') until ${formatAbsolute(
    freeze.end,
  )}`;
}
