import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import type { SpecChange } from '@shipyard/backstage-plugin-common';
import { SpecValue } from './SpecValue';

const KIND_LABELS: Record<SpecChange['kind'], string> = {
  added: 'added',
  removed: 'removed',
  changed: 'changed',
};

/** Two specs side by side, field by field: only the fields that differ, each with what changed in words. */
export function SpecChangesTable(props: {
  changes: SpecChange[];
  beforeLabel: string;
  afterLabel: string;
  caption: string;
  emptyText?: string;
}) {
  const { changes, beforeLabel, afterLabel, caption } = props;
  if (changes.length === 0) {
    return (
      <Typography variant="body2" role="status">
        {props.emptyText ?? 'No differences: the specs are identical.'}
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label={caption}>
      <caption>{caption}</caption>
      <TableHead>
        <TableRow>
          <TableCell component="th">Field</TableCell>
          <TableCell component="th">Change</TableCell>
          <TableCell component="th">{beforeLabel}</TableCell>
          <TableCell component="th">{afterLabel}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {changes.map(change => (
          <TableRow key={change.path} data-testid={`change-${change.path}`}>
            <TableCell style={{ whiteSpace: 'nowrap' }}>
              <code>{change.path}</code>
            </TableCell>
            <TableCell style={{ whiteSpace: 'nowrap' }}>
              {KIND_LABELS[change.kind]}
            </TableCell>
            <TableCell>
              <SpecValue value={change.before} path={change.path} />
            </TableCell>
            <TableCell>
              <SpecValue value={change.after} path={change.path} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
