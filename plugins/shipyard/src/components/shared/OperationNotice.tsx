import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import type { Version } from '@shipyard/backstage-plugin-common';
import type { ReactNode } from 'react';
import { useVersion } from '../../hooks/useServiceWorkspaces';
import { isActive, VersionStatus } from './VersionStatus';

/**
 * What an operation started, and how it is going: `Deployed v5 to dev`
 * with the version's status and rollout, read from the page's status store
 * so it moves with the header and the history row until the rollout ends.
 * It sits in the page above the history, never over it, and stays until
 * closed.
 */
export function OperationNotice(props: {
  entityRef: string;
  version: Version;
  /** What happened, e.g. `Deployed v5 to dev`. */
  children: ReactNode;
  onClose?: () => void;
}) {
  const { entityRef } = props;
  const version =
    useVersion(
      entityRef,
      props.version.workspace,
      props.version.number,
      props.version,
    ) ?? props.version;
  let severity: 'info' | 'success' | 'error' = 'success';
  if (version.status === 'failed') {
    severity = 'error';
  } else if (isActive(version)) {
    severity = 'info';
  }
  return (
    <Alert
      severity={severity}
      role="status"
      onClose={props.onClose}
      data-testid="operation-notice"
    >
      <Box
        display="flex"
        flexWrap="wrap"
        alignItems="center"
        style={{ gap: 12 }}
      >
        <Typography variant="body2" component="span">
          {props.children}
        </Typography>
        <VersionStatus version={version} detailed />
      </Box>
    </Alert>
  );
}
