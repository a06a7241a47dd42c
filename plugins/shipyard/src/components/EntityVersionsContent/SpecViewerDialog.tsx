import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import useAsync from 'react-use/esm/useAsync';
import { shipyardApiRef } from '../../api';
import { SpecAndManifests } from '../shared/SpecAndManifests';

/** The spec of one version as YAML, and the Kubernetes manifests it renders to. */
export function SpecViewerDialog(props: {
  entityRef: string;
  workspace: string;
  version: number;
  onClose: () => void;
}) {
  const { entityRef, workspace, version } = props;
  const api = useApi(shipyardApiRef);
  const detail = useAsync(
    () => api.getVersion(entityRef, workspace, version),
    [api, entityRef, workspace, version],
  );
  const titleId = 'shipyard-spec-viewer-title';

  return (
    <Dialog
      open
      onClose={props.onClose}
      aria-labelledby={titleId}
      maxWidth="md"
      fullWidth
    >
      <DialogTitle id={titleId}>
        Spec of {workspace} v{version}
      </DialogTitle>
      <DialogContent dividers>
        {detail.loading && <Progress />}
        {detail.error && <ResponseErrorPanel error={detail.error} />}
        {detail.value && <SpecAndManifests detail={detail.value} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}
