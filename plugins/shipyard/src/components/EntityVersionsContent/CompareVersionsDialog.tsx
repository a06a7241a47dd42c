import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import type {
  VersionAddress,
  VersionDiff,
} from '@shipyard/backstage-plugin-common';
import { FormEvent, useCallback, useEffect, useState } from 'react';
import { shipyardApiRef } from '../../api';
import { SpecChangesTable } from '../shared/SpecChangesTable';

interface AddressInput {
  workspace: string;
  version: string;
}

function toInput(
  address?: VersionAddress,
  fallbackWorkspace = '',
): AddressInput {
  return address
    ? { workspace: address.workspace, version: String(address.version) }
    : { workspace: fallbackWorkspace, version: '' };
}

function toAddress(input: AddressInput): VersionAddress | undefined {
  const version = Number(input.version);
  return input.workspace && Number.isSafeInteger(version) && version >= 1
    ? { workspace: input.workspace, version }
    : undefined;
}

const label = (address: VersionAddress) =>
  `${address.workspace} v${address.version}`;

function AddressFields(props: {
  side: 'From' | 'To';
  value: AddressInput;
  workspaces: string[];
  onChange: (value: AddressInput) => void;
}) {
  const { side, value, workspaces } = props;
  return (
    <Box display="flex" style={{ gap: 8 }}>
      <TextField
        select
        id={`shipyard-compare-${side.toLowerCase()}-workspace`}
        label={`${side} workspace`}
        value={value.workspace}
        onChange={e => props.onChange({ ...value, workspace: e.target.value })}
        variant="outlined"
        size="small"
        style={{ minWidth: 140 }}
      >
        {workspaces.map(name => (
          <MenuItem key={name} value={name}>
            {name}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        id={`shipyard-compare-${side.toLowerCase()}-version`}
        label={`${side} version`}
        type="number"
        inputProps={{ min: 1 }}
        value={value.version}
        onChange={e => props.onChange({ ...value, version: e.target.value })}
        variant="outlined"
        size="small"
        style={{ width: 120 }}
      />
    </Box>
  );
}

/** The diff of any two versions, across workspaces too, field by field and side by side. */
export function CompareVersionsDialog(props: {
  entityRef: string;
  workspaces: string[];
  initialFrom?: VersionAddress;
  initialTo?: VersionAddress;
  onClose: () => void;
}) {
  const { entityRef, workspaces } = props;
  const api = useApi(shipyardApiRef);
  const [from, setFrom] = useState(() =>
    toInput(props.initialFrom, workspaces[0]),
  );
  const [to, setTo] = useState(() => toInput(props.initialTo, workspaces[0]));
  const [diff, setDiff] = useState<VersionDiff>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(false);
  const titleId = 'shipyard-compare-title';

  const compare = useCallback(
    async (a?: VersionAddress, b?: VersionAddress) => {
      if (!a || !b) {
        return;
      }
      setLoading(true);
      setError(undefined);
      try {
        setDiff(await api.diff(entityRef, a, b));
      } catch (e) {
        setDiff(undefined);
        setError(e as Error);
      } finally {
        setLoading(false);
      }
    },
    [api, entityRef],
  );

  const { initialFrom, initialTo } = props;
  useEffect(() => {
    compare(initialFrom, initialTo);
  }, [compare, initialFrom, initialTo]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    compare(toAddress(from), toAddress(to));
  };

  return (
    <Dialog
      open
      onClose={props.onClose}
      aria-labelledby={titleId}
      maxWidth="lg"
      fullWidth
    >
      <DialogTitle id={titleId}>Compare versions</DialogTitle>
      <DialogContent dividers>
        <Box
          component="form"
          onSubmit={onSubmit}
          display="flex"
          flexWrap="wrap"
          alignItems="center"
          style={{ gap: 16 }}
          mb={2}
          aria-label="Versions to compare"
        >
          <AddressFields
            side="From"
            value={from}
            workspaces={workspaces}
            onChange={setFrom}
          />
          <Typography aria-hidden>→</Typography>
          <AddressFields
            side="To"
            value={to}
            workspaces={workspaces}
            onChange={setTo}
          />
          <Button
            type="submit"
            variant="contained"
            color="primary"
            disabled={!toAddress(from) || !toAddress(to) || loading}
          >
            Compare
          </Button>
        </Box>
        {loading && <Progress />}
        {error && (
          <ResponseErrorPanel
            error={error}
            title="Could not compare these versions"
          />
        )}
        {diff && !loading && (
          <SpecChangesTable
            changes={diff.changes}
            beforeLabel={label(diff.from)}
            afterLabel={label(diff.to)}
            caption={`Differences from ${label(diff.from)} to ${label(
              diff.to,
            )}`}
            emptyText={`${label(diff.from)} and ${label(
              diff.to,
            )} have identical specs.`}
          />
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}
