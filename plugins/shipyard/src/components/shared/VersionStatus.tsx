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
  RolloutProgress,
  Version,
  VersionStatus as Status,
} from '@shipyard/backstage-plugin-common';
import { isActive } from '../../hooks/ServiceStatusStore';

export { ACTIVE_STATUSES, isActive } from '../../hooks/ServiceStatusStore';

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

/** The human label of a status, e.g. `Rolling out`. */
export function statusLabel(status: Status): string {
  return LABELS[status] ?? status;
}

/** `1 pod`, `2 pods`. */
function pods(count: number, noun = 'pod'): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * A rollout's progress in words that say what they count:
 * `2 of 3 updated · 2 ready`. The Deployment's ready count includes the
 * pods a rolling update runs beyond the desired count (its surge) until the
 * old ones stop; those are named as such, never counted as ready replicas:
 * `2 of 2 updated · 2 ready · 2 surge pods still running`.
 */
export function rolloutText(rollout: RolloutProgress): string {
  const { desiredReplicas, updatedReplicas, readyReplicas } = rollout;
  const parts = [
    `${updatedReplicas} of ${desiredReplicas} updated`,
    `${Math.min(readyReplicas, desiredReplicas)} ready`,
  ];
  const surplus = readyReplicas - desiredReplicas;
  if (surplus > 0) {
    parts.push(`${pods(surplus, 'surge pod')} still running`);
  }
  return parts.join(' · ');
}

/**
 * A status as an icon and words, never colour alone; with the rollout's
 * progress while it runs and the cluster's message when there is one. Give
 * it the store's freshest copy of the version (`useVersion`), so every place
 * that shows this version says the same.
 */
export function VersionStatus(props: {
  version: Pick<Version, 'number' | 'status' | 'statusMessage' | 'rollout'>;
  /** Show the status message below the label (history rows); otherwise it is a tooltip. */
  detailed?: boolean;
}) {
  const { version, detailed } = props;
  const Icon = ICONS[version.status] ?? StatusPending;
  const rollout = version.rollout;
  const showProgress = isActive(version);
  const progress =
    rollout && rollout.desiredReplicas > 0
      ? Math.min(
          100,
          Math.round((100 * rollout.updatedReplicas) / rollout.desiredReplicas),
        )
      : undefined;
  const progressWords = rollout ? rolloutText(rollout) : undefined;
  return (
    <div data-testid={`status-v${version.number}`}>
      {/* core-components hides status text from assistive technology by default; this text is the status. */}
      <span title={version.statusMessage}>
        <Icon aria-hidden={false} aria-label={undefined}>
          {statusLabel(version.status)}
        </Icon>
      </span>
      {showProgress && (
        <Box mt={0.5} maxWidth={240}>
          <LinearProgress
            variant={progress === undefined ? 'indeterminate' : 'determinate'}
            value={progress}
            aria-label={`Rollout of v${version.number}`}
            aria-valuetext={progressWords ?? 'waiting for the cluster'}
          />
          <Typography variant="caption" color="textSecondary">
            {progressWords ??
              (version.status === 'progressing'
                ? 'waiting for the cluster'
                : 'applying the objects')}
          </Typography>
        </Box>
      )}
      {detailed && version.statusMessage && version.status === 'failed' && (
        <Typography variant="caption" color="textSecondary" component="div">
          {version.statusMessage}
        </Typography>
      )}
    </div>
  );
}
