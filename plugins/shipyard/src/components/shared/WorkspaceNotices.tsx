import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type { ServiceWorkspaceState } from '@shipyard/backstage-plugin-common';
import { formatValue } from './formatValue';
import { RelativeTime } from './RelativeTime';

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

/** Who holds the operation lease of a workspace, while one is held. */
export function LeaseNotice(props: { state: ServiceWorkspaceState }) {
  const { lease, workspace } = props.state;
  if (!lease) {
    return null;
  }
  return (
    <Alert severity="info" role="status">
      An operation is running in {workspace.name}:{' '}
      <strong>{lease.operation}</strong>, held by{' '}
      <strong>{lease.holder}</strong> since{' '}
      <RelativeTime iso={lease.acquiredAt} /> (the lease expires by itself{' '}
      <RelativeTime iso={lease.expiresAt} />
      ).
    </Alert>
  );
}
