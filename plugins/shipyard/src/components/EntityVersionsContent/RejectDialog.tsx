import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import Alert from '@material-ui/lab/Alert';
import type { Version } from '@shipyard/backstage-plugin-common';
import { FormEvent, useState } from 'react';
import { shipyardApiRef } from '../../api';
import { messageOf } from '../../api/errors';

/**
 * Marks a version as bad, with the reason: it can no longer be promoted or
 * rolled back to, nor can any version with the same spec be promoted.
 */
export function RejectDialog(props: {
  entityRef: string;
  version: Version;
  onClose: () => void;
  onRejected: (version: Version) => void;
}) {
  const { entityRef, version } = props;
  const api = useApi(shipyardApiRef);
  const [reason, setReason] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [failure, setFailure] = useState<string>();
  const titleId = 'shipyard-reject-title';

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!reason.trim()) {
      return;
    }
    setSubmitting(true);
    setFailure(undefined);
    try {
      props.onRejected(
        await api.rejectVersion(
          entityRef,
          version.workspace,
          version.number,
          reason.trim(),
        ),
      );
    } catch (e) {
      setFailure(messageOf(e));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Dialog open onClose={props.onClose} aria-labelledby={titleId} fullWidth>
      <form onSubmit={onSubmit} aria-labelledby={titleId}>
        <DialogTitle id={titleId}>
          Reject {version.workspace} v{version.number}
        </DialogTitle>
        <DialogContent dividers>
          <DialogContentText>
            A rejected version is never promoted or rolled back to, and no
            version with the same spec is promoted anywhere, until someone lifts
            the rejection. The version keeps running where it runs.
          </DialogContentText>
          <TextField
            id="shipyard-reject-reason"
            label="Why is it bad?"
            helperText="Shown with the version and recorded in the audit log."
            value={reason}
            onChange={e => setReason(e.target.value)}
            required
            fullWidth
            multiline
            minRows={2}
            variant="outlined"
          />
          {failure && (
            <Alert severity="error" role="alert" style={{ marginTop: 16 }}>
              {failure}
            </Alert>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={props.onClose}>Cancel</Button>
          <Button
            type="submit"
            color="secondary"
            variant="contained"
            disabled={!reason.trim() || submitting}
          >
            {submitting ? 'Rejecting…' : `Reject v${version.number}`}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
