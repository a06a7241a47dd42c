import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import Alert from '@material-ui/lab/Alert';
import { FormEvent, ReactNode, useState } from 'react';
import { messageOf } from '../../api/errors';

/**
 * A decision with a reason (reject a version, approve or decline a
 * request): the reason field, the failure of the last attempt and a submit
 * button that says it is working.
 */
export function ReasonDialog(props: {
  /** Prefix of the element ids: `<id>-title` and `<id>-reason`. */
  id: string;
  title: ReactNode;
  children: ReactNode;
  reasonLabel: string;
  reasonHelperText: string;
  /** The submit button stays disabled until a reason is given. */
  reasonRequired?: boolean;
  submitLabel: string;
  submittingLabel: string;
  submitColor: 'primary' | 'secondary';
  /** Called with the trimmed reason, undefined when blank; a throw is shown. */
  onSubmit: (reason: string | undefined) => Promise<void>;
  onClose: () => void;
}) {
  const [reason, setReason] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [failure, setFailure] = useState<string>();
  const titleId = `${props.id}-title`;
  const blank = !reason.trim();

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (props.reasonRequired && blank) {
      return;
    }
    setSubmitting(true);
    setFailure(undefined);
    try {
      await props.onSubmit(reason.trim() || undefined);
    } catch (e) {
      setFailure(messageOf(e));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Dialog open onClose={props.onClose} aria-labelledby={titleId} fullWidth>
      <form onSubmit={onSubmit} aria-labelledby={titleId}>
        <DialogTitle id={titleId}>{props.title}</DialogTitle>
        <DialogContent dividers>
          {props.children}
          <TextField
            id={`${props.id}-reason`}
            label={props.reasonLabel}
            helperText={props.reasonHelperText}
            value={reason}
            onChange={e => setReason(e.target.value)}
            required={props.reasonRequired}
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
            color={props.submitColor}
            variant="contained"
            disabled={submitting || (props.reasonRequired && blank)}
          >
            {submitting ? props.submittingLabel : props.submitLabel}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
