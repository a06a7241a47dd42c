import {
  CodeSnippet,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import Tab from '@material-ui/core/Tab';
import Tabs from '@material-ui/core/Tabs';
import { stringifySpec } from '@shipyard/backstage-plugin-common';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { stringify } from 'yaml';
import { shipyardApiRef } from '../../api';

/** The spec of one version as YAML, and the Kubernetes manifests it renders to. */
export function SpecViewerDialog(props: {
  entityRef: string;
  workspace: string;
  version: number;
  onClose: () => void;
}) {
  const { entityRef, workspace, version } = props;
  const api = useApi(shipyardApiRef);
  const [tab, setTab] = useState(0);
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
        <Tabs
          value={tab}
          onChange={(_, value) => setTab(value)}
          aria-label="Spec or rendered manifests"
          indicatorColor="primary"
        >
          <Tab
            label="Spec (YAML)"
            id="shipyard-spec-tab-0"
            aria-controls="shipyard-spec-panel-0"
          />
          <Tab
            label="Rendered manifests"
            id="shipyard-spec-tab-1"
            aria-controls="shipyard-spec-panel-1"
          />
        </Tabs>
        <div
          role="tabpanel"
          id={`shipyard-spec-panel-${tab}`}
          aria-labelledby={`shipyard-spec-tab-${tab}`}
        >
          {detail.loading && <Progress />}
          {detail.error && <ResponseErrorPanel error={detail.error} />}
          {detail.value && tab === 0 && (
            <CodeSnippet
              text={stringifySpec(detail.value.spec)}
              language="yaml"
              showCopyCodeButton
              showLineNumbers
            />
          )}
          {detail.value && tab === 1 && (
            <CodeSnippet
              text={detail.value.manifests
                .map(manifest => stringify(manifest))
                .join('---\n')}
              language="yaml"
              showCopyCodeButton
            />
          )}
        </div>
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}
