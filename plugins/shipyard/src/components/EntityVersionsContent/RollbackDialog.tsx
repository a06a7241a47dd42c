import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import TextField from '@material-ui/core/TextField';
import Alert from '@material-ui/lab/Alert';
import type { Version } from '@shipyard/backstage-plugin-common';
import { FormEvent, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { shipyardApiRef } from '../../api';
import { useServiceStatusStore } from '../../hooks/useServiceWorkspaces';
import { isBusy, isConflict, messageOf } from '../../api/errors';
import { useShipyardPermissions } from '../../hooks/useShipyardPermissions';
import { SpecChangesTable } from '../shared/SpecChangesTable';

/**
 * Rolls a workspace back to an earlier version: shows what changes from the
 * current version (the backend's rollback plan) and asks why. The rollback is
 * a new version with the old spec; history is never rewritten.
 */
export function RollbackDialog(props: {
  entityRef: string;
  workspace: string;
  target: Version;
  onClose: () => void;
  onRolledBack: (version: Version) => void;
}) {
  const { entityRef, workspace, target } = props;
  const api = useApi(shipyardApiRef);
  const store = useServiceStatusStore(entityRef);
  const [reason, setReason] = useState('');
  const may = useShipyardPermissions(entityRef);
  // Rejecting the version rolled back away from keeps it (and its spec) from coming back by promotion.
  const [rejectCurrent, setRejectCurrent] = useState(false);
  const [rejectReason, setRejectReason] = useState<string>();
  const [submitting, setSubmitting] = useState(false);
  const [failure, setFailure] = useState<string>();
  const [attempt, setAttempt] = useState(0);
  const plan = useAsync(
    () => api.previewRollback(entityRef, workspace, target.number),
    [api, entityRef, workspace, target.number, attempt],
  );
  const titleId = 'shipyard-rollback-title';
  const from = plan.value?.fromVersion;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!plan.value || !reason.trim()) {
      return;
    }
    setSubmitting(true);
    setFailure(undefined);
    try {
      const version = await store.track(() =>
        api.rollback(entityRef, workspace, target.number, {
          reason: reason.trim(),
          expectedCurrentVersion: from ?? 0,
          ...(rejectCurrent && from
            ? { reject: { reason: (rejectReason ?? reason).trim() } }
            : {}),
        }),
      );
      props.onRolledBack(version);
    } catch (e) {
      if (isConflict(e) && !isBusy(e)) {
        setFailure(
          `Someone else deployed to ${workspace} in the meantime (${messageOf(
            e,
          )}). Review the updated preview and roll back again.`,
        );
        setAttempt(n => n + 1);
      } else {
        setFailure(messageOf(e));
      }
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Dialog
      open
      onClose={props.onClose}
      aria-labelledby={titleId}
      maxWidth="md"
      fullWidth
    >
      <form onSubmit={onSubmit} aria-labelledby={titleId}>
        <DialogTitle id={titleId}>
          Roll back {workspace} to v{target.number}
        </DialogTitle>
        <DialogContent dividers>
          <DialogContentText>
            Creates a new version in {workspace} with the spec of v
            {target.number}
            {from ? `, replacing the current v${from}` : ''}. Every version
            stays in the history.
          </DialogContentText>
          {plan.loading && <Progress />}
          {plan.error && (
            <ResponseErrorPanel
              error={plan.error}
              title="Could not preview the rollback"
            />
          )}
          {plan.value && (
            <>
              {plan.value.warnings.map(warning => (
                <Box mb={1} key={`${warning.code}:${warning.path ?? ''}`}>
                  <Alert severity="warning">{warning.message}</Alert>
                </Box>
              ))}
              <SpecChangesTable
                changes={plan.value.changes}
                beforeLabel={from ? `Current (v${from})` : 'Current (none)'}
                afterLabel={`After rollback (spec of v${target.number})`}
                caption={`What the rollback to v${target.number} changes`}
                emptyText={`v${target.number} has the same spec as the current version; rolling back re-applies it.`}
              />
            </>
          )}
          <Box mt={2}>
            <TextField
              id="shipyard-rollback-reason"
              label="Reason"
              helperText="Why you roll back; recorded with the new version and in the audit log."
              value={reason}
              onChange={e => setReason(e.target.value)}
              required
              fullWidth
              multiline
              minRows={2}
              variant="outlined"
            />
          </Box>
          {from && may.reject && (
            <Box mt={2}>
              <FormControlLabel
                control={
                  <Checkbox
                    checked={rejectCurrent}
                    onChange={e => setRejectCurrent(e.target.checked)}
                  />
                }
                label={`Also reject v${from}, the version rolled back away from, so neither it nor its spec is promoted again`}
              />
              {rejectCurrent && (
                <TextField
                  id="shipyard-rollback-reject-reason"
                  label={`Why v${from} is bad`}
                  helperText="The rollback's reason unless you say otherwise; shown with the version."
                  value={rejectReason ?? reason}
                  onChange={e => setRejectReason(e.target.value)}
                  required
                  fullWidth
                  variant="outlined"
                  size="small"
                />
              )}
            </Box>
          )}
          {failure && (
            <Box mt={2}>
              <Alert severity="error" role="alert">
                {failure}
              </Alert>
            </Box>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={props.onClose}>Cancel</Button>
          <Button
            type="submit"
            color="primary"
            variant="contained"
            disabled={
              !plan.value ||
              !reason.trim() ||
              submitting ||
              (rejectCurrent && !(rejectReason ?? reason).trim())
            }
          >
            {submitting ? 'Rolling back…' : `Roll back to v${target.number}`}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
