import { useApi } from '@backstage/core-plugin-api';
import DialogContentText from '@material-ui/core/DialogContentText';
import type { Version } from '@shipyard/backstage-plugin-common';
import { shipyardApiRef } from '../../api';
import { ReasonDialog } from '../shared/ReasonDialog';

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
  return (
    <ReasonDialog
      id="shipyard-reject"
      title={`Reject ${version.workspace} v${version.number}`}
      reasonLabel="Why is it bad?"
      reasonHelperText="Shown with the version and recorded in the audit log."
      reasonRequired
      submitLabel={`Reject v${version.number}`}
      submittingLabel="Rejecting…"
      submitColor="secondary"
      onClose={props.onClose}
      onSubmit={async reason =>
        props.onRejected(
          await api.rejectVersion(
            entityRef,
            version.workspace,
            version.number,
            reason!,
          ),
        )
      }
    >
      <DialogContentText>
        A rejected version is never promoted or rolled back to, and no version
        with the same spec is promoted anywhere, until someone lifts the
        rejection. The version keeps running where it runs.
      </DialogContentText>
    </ReasonDialog>
  );
}
