import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import type { Version } from '@shipyard/backstage-plugin-common';
import { authorName } from '../shared/authorName';
import { RelativeTime } from '../shared/RelativeTime';
import { rolloutText, statusLabel } from '../shared/VersionStatus';
import { isActive } from '../../hooks/ServiceStatusStore';

interface Step {
  title: string;
  at?: string;
  detail?: string;
  state: 'done' | 'current' | 'failed' | 'waiting';
}

/** The steps of a version's life so far, from what the version records. */
export function timelineSteps(version: Version): Step[] {
  const steps: Step[] = [
    {
      title: 'Recorded',
      at: version.createdAt,
      detail: `by ${authorName(version.createdBy)}`,
      state: 'done',
    },
  ];
  if (version.status === 'recorded') {
    steps.push({
      title: statusLabel('recorded'),
      detail: version.statusMessage,
      state: 'done',
    });
    return steps;
  }
  const failedBeforeApply = version.status === 'failed' && !version.appliedAt;
  steps.push({
    title: 'Applied to the cluster',
    at: version.appliedAt,
    detail: failedBeforeApply ? version.statusMessage : undefined,
    state: version.appliedAt ? 'done' : stateBefore(version, failedBeforeApply),
  });
  if (failedBeforeApply) {
    return steps;
  }
  steps.push({
    title: 'Rolling out',
    detail: version.rollout ? rolloutText(version.rollout) : undefined,
    state:
      isActive(version) && version.appliedAt
        ? 'current'
        : doneOrWaiting(version),
  });
  if (version.status === 'succeeded' || version.status === 'failed') {
    steps.push({
      title: statusLabel(version.status),
      at: version.finishedAt,
      detail: version.statusMessage,
      state: version.status === 'failed' ? 'failed' : 'done',
    });
  }
  return steps;
}

function stateBefore(version: Version, failed: boolean): Step['state'] {
  if (failed) {
    return 'failed';
  }
  return isActive(version) ? 'current' : 'waiting';
}

function doneOrWaiting(version: Version): Step['state'] {
  return isActive(version) ? 'waiting' : 'done';
}

const MARKS: Record<Step['state'], string> = {
  done: '✓',
  current: '…',
  failed: '✗',
  waiting: '○',
};

/** The rollout of a version as a timeline: recorded, applied, rolling out, succeeded or failed, with the cluster's messages. */
export function RolloutTimeline(props: { version: Version }) {
  const steps = timelineSteps(props.version);
  return (
    <Box
      component="ol"
      aria-label="Rollout timeline"
      m={0}
      p={0}
      style={{ listStyle: 'none' }}
    >
      {steps.map(step => (
        <Box
          component="li"
          key={step.title}
          display="flex"
          style={{ gap: 12 }}
          mb={1}
          data-state={step.state}
        >
          <Typography
            component="span"
            aria-hidden
            color={step.state === 'failed' ? 'error' : 'textSecondary'}
            style={{ width: 16, textAlign: 'center' }}
          >
            {MARKS[step.state]}
          </Typography>
          <Box>
            <Typography variant="body2" component="span">
              <strong>{step.title}</strong>
              {step.at && (
                <>
                  {' '}
                  <RelativeTime iso={step.at} />
                </>
              )}
              {step.state === 'current' ? ' (now)' : ''}
            </Typography>
            {step.detail && (
              <Typography
                variant="body2"
                color={step.state === 'failed' ? 'error' : 'textSecondary'}
              >
                {step.detail}
              </Typography>
            )}
          </Box>
        </Box>
      ))}
    </Box>
  );
}
