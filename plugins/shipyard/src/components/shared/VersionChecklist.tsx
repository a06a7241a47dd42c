import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import type { Version } from '@shipyard/backstage-plugin-common';
import { useState } from 'react';
import { shipyardApiRef } from '../../api';
import { messageOf } from '../../api/errors';
import { useServiceStatusStore } from '../../hooks/useServiceWorkspaces';
import { authorName } from './authorName';
import { RelativeTime } from './RelativeTime';

/** How many items of the version's promotion checklist nobody has ticked off yet. */
export function openChecklistItems(version: Version): number {
  return (version.checklist ?? []).filter(item => !item.done).length;
}

/** `2 open checklist items`, or undefined when every item is ticked off. */
export function openChecklistText(version: Version): string | undefined {
  const open = openChecklistItems(version);
  if (open === 0) {
    return undefined;
  }
  return `${open} open checklist item${open === 1 ? '' : 's'}`;
}

/**
 * The checklist of the promotion that created a version, stored with it:
 * each item ticked off (by whom, when) or still open, and a tick box to
 * change that. Ticks are saved at once and shown to everyone.
 */
export function VersionChecklist(props: {
  entityRef: string;
  version: Version;
}) {
  const { entityRef, version } = props;
  const api = useApi(shipyardApiRef);
  const store = useServiceStatusStore(entityRef);
  const [saving, setSaving] = useState<number>();
  const [error, setError] = useState<string>();
  const items = version.checklist ?? [];
  if (items.length === 0) {
    return null;
  }
  const open = openChecklistText(version);

  const toggle = async (id: number, done: boolean) => {
    setSaving(id);
    setError(undefined);
    try {
      await store.track(() =>
        api.updateChecklistItem(
          entityRef,
          version.workspace,
          version.number,
          id,
          done,
        ),
      );
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setSaving(undefined);
    }
  };

  return (
    <Box component="section" aria-label={`Checklist of v${version.number}`}>
      <Typography
        variant="subtitle1"
        component="h3"
        data-testid="version-checklist-open"
      >
        {open ?? 'Every checklist item is ticked off'}
      </Typography>
      {error && <Alert severity="error">{error}</Alert>}
      <Box component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
        {items.map(item => (
          <li key={item.id}>
            <FormControlLabel
              control={
                <Checkbox
                  checked={!!item.done}
                  disabled={saving !== undefined}
                  onChange={() => toggle(item.id, !item.done)}
                />
              }
              label={
                <>
                  {item.text}
                  {item.done && (
                    <Typography
                      variant="caption"
                      color="textSecondary"
                      component="div"
                    >
                      ticked off by{' '}
                      <span title={item.done.by}>
                        {authorName(item.done.by)}
                      </span>{' '}
                      <RelativeTime iso={item.done.at} />
                    </Typography>
                  )}
                </>
              }
            />
          </li>
        ))}
      </Box>
    </Box>
  );
}
