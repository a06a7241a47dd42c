import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import IconButton from '@material-ui/core/IconButton';
import Popover from '@material-ui/core/Popover';
import Typography from '@material-ui/core/Typography';
import InfoOutlined from '@material-ui/icons/InfoOutlined';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import {
  shipyardLeaseReleasePermission,
  type Lease,
  type ServiceWorkspaceState,
} from '@shipyard/backstage-plugin-common';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { shipyardApiRef } from '../../api';
import { messageOf } from '../../api/errors';
import { useServiceStatusStore } from '../../hooks/useServiceWorkspaces';
import { useWorkspacePermission } from '../../hooks/useWorkspacePermission';
import { formatValue } from './formatValue';
import { leaseSentence } from './leaseWords';
import { formatAbsolute, RelativeTime } from './RelativeTime';

/** A banner when the live objects differ from what the current version rendered. */
export function DriftBanner(props: { state: ServiceWorkspaceState }) {
  const { drift, workspace, currentVersion } = props.state;
  if (!drift?.drifted) {
    return null;
  }
  return (
    <Alert severity="warning" role="alert">
      <AlertTitle>
        Drift in {workspace.name}: the cluster no longer matches
        {currentVersion ? ` v${currentVersion.number}` : ' the current version'}
      </AlertTitle>
      <Typography variant="body2">
        Checked <RelativeTime iso={drift.checkedAt} />. Someone changed these
        objects outside Shipyard; deploying again restores the version's spec.
      </Typography>
      {drift.fields.length > 0 && (
        <Box component="ul" my={0.5} pl={2}>
          {drift.fields.slice(0, 10).map(field => (
            <li key={field.path}>
              <code>{field.path}</code>
              {field.expected !== undefined || field.live !== undefined ? (
                <>
                  : expected{' '}
                  <code>{formatValue(field.expected) || '(absent)'}</code>, live{' '}
                  <code>{formatValue(field.live) || '(absent)'}</code>
                </>
              ) : null}
            </li>
          ))}
          {drift.fields.length > 10 && (
            <li>and {drift.fields.length - 10} more</li>
          )}
        </Box>
      )}
    </Alert>
  );
}

/** Who is signed in, as a user entity ref, once known. */
export function useSignedInUser(): string | undefined {
  const identityApi = useApi(identityApiRef);
  const { value } = useAsync(
    async () => (await identityApi.getBackstageIdentity()).userEntityRef,
    [identityApi],
  );
  return value;
}

function LeaseDetails(props: { lease: Lease }) {
  const { lease } = props;
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const id = 'shipyard-lease-details';
  return (
    <>
      <IconButton
        size="small"
        aria-label="Lease details"
        aria-haspopup="dialog"
        aria-controls={anchor ? id : undefined}
        onClick={event => setAnchor(event.currentTarget)}
      >
        <InfoOutlined fontSize="small" />
      </IconButton>
      <Popover
        id={id}
        open={!!anchor}
        anchorEl={anchor}
        onClose={() => setAnchor(null)}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'left' }}
        PaperProps={{ role: 'dialog', 'aria-label': 'Lease details' } as any}
      >
        <Box p={2} maxWidth={480}>
          <Typography variant="subtitle2" gutterBottom>
            The operation lease
          </Typography>
          <Typography variant="body2" paragraph>
            One operation per service and workspace at a time. The backend
            process holding the lease renews it while it works; if it stops, the
            lease expires by itself.
          </Typography>
          <Box
            component="dl"
            m={0}
            style={{
              display: 'grid',
              gridTemplateColumns: 'auto 1fr',
              gap: '4px 12px',
            }}
          >
            <Typography component="dt" variant="body2" color="textSecondary">
              Operation
            </Typography>
            <Typography component="dd" variant="body2" style={{ margin: 0 }}>
              <code>{lease.operation}</code>
            </Typography>
            <Typography component="dt" variant="body2" color="textSecondary">
              Holder
            </Typography>
            <Typography
              component="dd"
              variant="body2"
              style={{ margin: 0, overflowWrap: 'anywhere' }}
            >
              <code>{lease.holder}</code>
            </Typography>
            <Typography component="dt" variant="body2" color="textSecondary">
              Since
            </Typography>
            <Typography component="dd" variant="body2" style={{ margin: 0 }}>
              {formatAbsolute(lease.acquiredAt)}
            </Typography>
            <Typography component="dt" variant="body2" color="textSecondary">
              Expires
            </Typography>
            <Typography component="dd" variant="body2" style={{ margin: 0 }}>
              <RelativeTime iso={lease.expiresAt} /> unless renewed
            </Typography>
            {lease.phase === 'following' && (
              <>
                <Typography
                  component="dt"
                  variant="body2"
                  color="textSecondary"
                >
                  Phase
                </Typography>
                <Typography
                  component="dd"
                  variant="body2"
                  style={{ margin: 0 }}
                >
                  applied; following the rollout (a rollback may take over)
                </Typography>
              </>
            )}
          </Box>
        </Box>
      </Popover>
    </>
  );
}

function ForceReleaseButton(props: {
  entityRef: string;
  state: ServiceWorkspaceState;
  me?: string;
}) {
  const { entityRef, state } = props;
  const workspace = state.workspace.name;
  const api = useApi(shipyardApiRef);
  const store = useServiceStatusStore(entityRef);
  const [open, setOpen] = useState(false);
  const [releasing, setReleasing] = useState(false);
  const [failure, setFailure] = useState<string>();
  const titleId = 'shipyard-force-release-title';
  const release = async () => {
    setReleasing(true);
    setFailure(undefined);
    try {
      await api.releaseLease(entityRef, workspace);
      setOpen(false);
    } catch (e) {
      setFailure(messageOf(e));
    } finally {
      setReleasing(false);
      store.reload();
    }
  };
  return (
    <>
      <Button color="inherit" size="small" onClick={() => setOpen(true)}>
        Force-release
      </Button>
      {open && (
        <Dialog open onClose={() => setOpen(false)} aria-labelledby={titleId}>
          <DialogTitle id={titleId}>
            Force-release the lease of {workspace}?
          </DialogTitle>
          <DialogContent>
            <DialogContentText>
              {leaseSentence(state, props.me)} Releasing the lease stops it from
              writing anything more, and lets the next operation start at once.
              Do this only when it is stuck, e.g. its backend stopped; otherwise
              the lease expires by itself when its holder is gone.
            </DialogContentText>
            {failure && (
              <Alert severity="error" role="alert">
                {failure}
              </Alert>
            )}
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setOpen(false)}>Cancel</Button>
            <Button
              color="secondary"
              variant="contained"
              onClick={release}
              disabled={releasing}
            >
              {releasing ? 'Releasing…' : 'Force-release'}
            </Button>
          </DialogActions>
        </Dialog>
      )}
    </>
  );
}

/**
 * Who is running an operation in a workspace, in plain words (`Your deploy
 * of v4 in dev is in progress, started 20 seconds ago.`), with the lease's
 * holder and expiry in a details popover and, for those allowed to, a
 * force-release.
 */
export function LeaseNotice(props: {
  entityRef: string;
  state: ServiceWorkspaceState;
}) {
  const { entityRef, state } = props;
  const me = useSignedInUser();
  const mayRelease = useWorkspacePermission(
    shipyardLeaseReleasePermission,
    state.workspace,
  ).allowed;
  if (!state.lease) {
    return null;
  }
  return (
    <Alert
      severity="info"
      role="status"
      data-testid="lease-notice"
      action={
        <Box display="flex" alignItems="center">
          <LeaseDetails lease={state.lease} />
          {mayRelease && (
            <ForceReleaseButton entityRef={entityRef} state={state} me={me} />
          )}
        </Box>
      }
    >
      {leaseSentence(state, me)}
    </Alert>
  );
}
