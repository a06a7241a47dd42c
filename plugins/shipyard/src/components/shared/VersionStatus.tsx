import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
} from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import type {
  Version,
  VersionStatus as Status,
} from '@shipyard/backstage-plugin-common';

const LABELS: Record<Status, string> = {
  pending: 'Pending',
  applying: 'Applying',
  progressing: 'Rolling out',
  succeeded: 'Succeeded',
  failed: 'Failed',
  recorded: 'Recorded, not applied',
};

const ICONS: Record<Status, typeof StatusOK> = {
  pending: StatusPending,
  applying: StatusRunning,
  progressing: StatusRunning,
  succeeded: StatusOK,
  failed: StatusError,
  recorded: StatusAborted,
};

/** The statuses of a version whose rollout is not finished yet. */
export const ACTIVE_STATUSES: readonly Status[] = [
  'pending',
  'applying',
  'progressing',
];

/** Whether a version is still being applied or rolled out. */
export function isActive(version?: Pick<Version, 'status'>): boolean {
  return !!version && ACTIVE_STATUSES.includes(version.status);
}

/** The human label of a status, e.g. `Rolling out`. */
export function statusLabel(status: Status): string {
  return LABELS[status] ?? status;
}

/**
 * A status as an icon and words, never colour alone; with the rollout's
 * progress while it runs and the cluster's message when there is one.
 */
export function VersionStatus(props: {
  version: Pick<Version, 'number' | 'status' | 'statusMessage' | 'rollout'>;
  /** Show the status message below the label (history rows); otherwise it is a tooltip. */
  detailed?: boolean;
}) {
  const { version, detailed } = props;
  const Icon = ICONS[version.status] ?? StatusPending;
  const rollout = version.rollout;
  const showProgress =
    version.status === 'progressing' || version.status === 'applying';
  const progress =
    rollout && rollout.desiredReplicas > 0
      ? Math.min(
          100,
          Math.round((100 * rollout.updatedReplicas) / rollout.desiredReplicas),
        )
      : undefined;
  return (
    <Box>
      {/* core-components hides status text from assistive technology by default; this text is the status. */}
      <span title={version.statusMessage}>
        <Icon aria-hidden={false} aria-label={undefined}>
          {statusLabel(version.status)}
        </Icon>
      </span>
      {showProgress && (
        <Box mt={0.5} maxWidth={200}>
          <LinearProgress
            variant={progress === undefined ? 'indeterminate' : 'determinate'}
            value={progress}
            aria-label={`Rollout of v${version.number}`}
            aria-valuetext={
              rollout
                ? `${rollout.updatedReplicas} of ${rollout.desiredReplicas} replicas updated, ${rollout.readyReplicas} ready`
                : 'waiting for the cluster'
            }
          />
          {rollout && (
            <Typography variant="caption" color="textSecondary">
              {rollout.updatedReplicas}/{rollout.desiredReplicas} updated,{' '}
              {rollout.readyReplicas} ready
            </Typography>
          )}
        </Box>
      )}
      {detailed && version.statusMessage && version.status === 'failed' && (
        <Typography variant="caption" color="textSecondary" component="div">
          {version.statusMessage}
        </Typography>
      )}
    </Box>
  );
}
