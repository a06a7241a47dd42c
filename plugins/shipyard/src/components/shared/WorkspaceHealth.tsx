import { StatusWarning } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Link from '@material-ui/core/Link';
import Typography from '@material-ui/core/Typography';
import type { ServiceWorkspaceState } from '@shipyard/backstage-plugin-common';
import { Link as RouterLink } from 'react-router-dom';
import { awaitingDriftCheck } from '../../hooks/ServiceStatusStore';
import { isActive, statusLabel, VersionStatus } from './VersionStatus';

/**
 * The drift of a workspace in words: `in sync` or `drifted`; `checking…`
 * in the moments after an operation, before the backend's check of it lands.
 */
export function driftLabel(state: ServiceWorkspaceState): string {
  if (!state.currentVersion) {
    return 'nothing deployed';
  }
  if (!state.workspace.cluster || state.workspace.notApplied) {
    return 'not applied to a cluster';
  }
  if (awaitingDriftCheck(state)) {
    return 'checking…';
  }
  if (!state.drift) {
    return 'not checked yet';
  }
  return state.drift.drifted ? 'drifted' : 'in sync';
}

/**
 * The health of a service in one workspace: its current version and status,
 * a newer version still rolling out or failed, and drift.
 */
export function WorkspaceHealth(props: {
  state: ServiceWorkspaceState;
  compact?: boolean;
  /** Where a version's page is, relative to the current path, to link its number there. */
  versionLink?: (number: number) => string;
}) {
  const { state, compact, versionLink } = props;
  const { currentVersion, latestVersion } = state;
  const pending =
    latestVersion && latestVersion.number !== currentVersion?.number
      ? latestVersion
      : undefined;
  if (!currentVersion && !pending) {
    return (
      <Typography variant="body2" color="textSecondary" component="span">
        No version yet
      </Typography>
    );
  }
  return (
    <Box display="flex" flexDirection="column" alignItems="flex-start">
      {currentVersion && (
        <Box display="flex" alignItems="baseline" style={{ gap: 6 }}>
          <Typography
            variant="body2"
            component="span"
            style={{ whiteSpace: 'nowrap' }}
          >
            {versionLink ? (
              <Link
                component={RouterLink}
                to={versionLink(currentVersion.number)}
                relative="path"
                aria-label={`Open ${state.workspace.name} v${currentVersion.number}`}
              >
                <strong>v{currentVersion.number}</strong>
              </Link>
            ) : (
              <strong>v{currentVersion.number}</strong>
            )}
          </Typography>
          <VersionStatus version={currentVersion} />
        </Box>
      )}
      {pending && (
        <Typography variant="caption" component="span">
          v{pending.number} {isActive(pending) ? 'in progress' : ''}:{' '}
          {statusLabel(pending.status)}
        </Typography>
      )}
      {!compact && state.drift?.drifted && (
        <StatusWarning aria-hidden={false} aria-label={undefined}>
          Drifted
        </StatusWarning>
      )}
    </Box>
  );
}
