import { Progress, WarningPanel } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { ReactNode, useState } from 'react';
import { RelativeTime } from '../shared/RelativeTime';
import type { ClusterEvent, VersionPod } from './useVersionPods';

const NO_WRAP = { whiteSpace: 'nowrap' } as const;

/** The header row of a small table, one unwrapped column heading per label. */
function HeaderRow(props: { labels: ReactNode[] }) {
  return (
    <TableHead>
      <TableRow>
        {props.labels.map((label, index) => (
          <TableCell key={index} component="th" style={NO_WRAP}>
            {label}
          </TableCell>
        ))}
      </TableRow>
    </TableHead>
  );
}

/** How many of a pod's last log lines are shown. */
export const LOG_LINES = 20;

const useStyles = makeStyles(theme => ({
  logs: {
    fontFamily: 'monospace',
    fontSize: theme.typography.body2.fontSize,
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    background: theme.palette.background.default,
    padding: theme.spacing(1),
    margin: 0,
    maxHeight: 360,
    overflow: 'auto',
  },
}));

/**
 * The cluster's own words from a failed proxy request, e.g. `no logs found
 * for container "x"` out of `Proxy request failed with 400 Bad Request, {…Status…}`.
 */
export function clusterMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const json = text.indexOf('{');
  if (json >= 0) {
    try {
      const status = JSON.parse(text.slice(json));
      if (typeof status.message === 'string') {
        return status.message;
      }
    } catch {
      // not a Kubernetes Status: the text as it is
    }
  }
  return text;
}

function PodLogs(props: {
  pod: VersionPod;
  logsOf: (pod: string, container: string) => Promise<string>;
}) {
  const { pod } = props;
  const classes = useStyles();
  const container = pod.containers[0];
  const [state, setState] = useState<{
    lines?: string[];
    error?: string;
    loading: boolean;
  }>();
  const load = async () => {
    setState({ loading: true });
    try {
      const text = await props.logsOf(pod.name, container);
      const lines = text.split('\n').filter(line => line !== '');
      setState({ lines: lines.slice(-LOG_LINES), loading: false });
    } catch (e) {
      setState({ error: clusterMessage(e), loading: false });
    }
  };
  return (
    <Box mt={1}>
      <Button size="small" variant="outlined" onClick={load}>
        {state ? 'Read the logs again' : `Last log lines of ${pod.name}`}
      </Button>
      {state?.loading && <Progress />}
      {state?.error && (
        <Typography variant="body2" color="error" role="alert">
          The cluster answered: {state.error}
        </Typography>
      )}
      {state?.lines && (
        <Box mt={1}>
          <Typography variant="caption" color="textSecondary">
            {state.lines.length
              ? `The last ${state.lines.length} lines of ${container} in ${pod.name}`
              : `${container} in ${pod.name} has written no log lines yet`}
          </Typography>
          {state.lines.length > 0 && (
            <pre
              className={classes.logs}
              aria-label={`Logs of ${pod.name}`}
              data-testid="pod-logs"
            >
              {state.lines.join('\n')}
            </pre>
          )}
        </Box>
      )}
    </Box>
  );
}

/** The version's pods with their states, the cluster's recent events about them, and a pod's last log lines. */
export function VersionPods(props: {
  pods?: VersionPod[];
  events?: ClusterEvent[];
  error?: Error;
  loading: boolean;
  unavailable?: string;
  number: number;
  logsOf: (pod: string, container: string) => Promise<string>;
}) {
  const { pods, events, number } = props;
  const [logsFor, setLogsFor] = useState<string>();
  if (props.unavailable) {
    return (
      <Typography variant="body2" color="textSecondary">
        {props.unavailable}
      </Typography>
    );
  }
  if (props.loading && !pods) {
    return <Progress />;
  }
  return (
    <Box display="flex" flexDirection="column" style={{ gap: 16 }}>
      {props.error && (
        <WarningPanel
          severity="warning"
          title="Could not read the pods from the cluster"
          message={props.error.message}
        />
      )}
      {pods && pods.length === 0 && (
        <Typography variant="body2" color="textSecondary">
          No pods of v{number} run now: a later version replaced them, or they
          have not been created yet.
        </Typography>
      )}
      {pods && pods.length > 0 && (
        <Box style={{ overflowX: 'auto' }}>
          <Table size="small" aria-label={`Pods of v${number}`}>
            <HeaderRow
              labels={[
                'Pod',
                'State',
                'Ready',
                'Restarts',
                'Node',
                'Started',
                <span className="MuiTypography-srOnly">Logs</span>,
              ]}
            />
            <TableBody>
              {pods.map(pod => (
                <TableRow key={pod.name} data-testid={`pod-${pod.name}`}>
                  <TableCell style={NO_WRAP}>
                    <code>{pod.name}</code>
                  </TableCell>
                  <TableCell style={NO_WRAP}>
                    {pod.terminating ? 'Terminating' : pod.phase}
                    {pod.reason ? ` (${pod.reason})` : ''}
                  </TableCell>
                  <TableCell style={NO_WRAP}>{pod.ready}</TableCell>
                  <TableCell>{pod.restarts}</TableCell>
                  <TableCell style={NO_WRAP}>{pod.node ?? '—'}</TableCell>
                  <TableCell style={NO_WRAP}>
                    {pod.createdAt ? <RelativeTime iso={pod.createdAt} /> : '—'}
                  </TableCell>
                  <TableCell>
                    <Button
                      size="small"
                      onClick={() =>
                        setLogsFor(logsFor === pod.name ? undefined : pod.name)
                      }
                      aria-expanded={logsFor === pod.name}
                    >
                      Logs
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      )}
      {pods
        ?.filter(pod => pod.name === logsFor)
        .map(pod => (
          <PodLogs key={pod.name} pod={pod} logsOf={props.logsOf} />
        ))}
      <Box>
        <Typography variant="subtitle2" component="h4" gutterBottom>
          Recent events
        </Typography>
        {events && events.length > 0 ? (
          <Box style={{ overflowX: 'auto' }}>
            <Table size="small" aria-label="Recent events">
              <HeaderRow labels={['When', 'Object', 'Reason', 'Message']} />
              <TableBody>
                {events.slice(0, 15).map((event, index) => (
                  <TableRow key={index}>
                    <TableCell style={NO_WRAP}>
                      {event.at ? <RelativeTime iso={event.at} /> : '—'}
                      {event.count > 1 ? ` (×${event.count})` : ''}
                    </TableCell>
                    <TableCell style={NO_WRAP}>
                      <code>{event.object}</code>
                    </TableCell>
                    <TableCell>
                      {event.type === 'Warning' ? '⚠ ' : ''}
                      {event.reason}
                    </TableCell>
                    <TableCell>{event.message}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Box>
        ) : (
          <Typography variant="body2" color="textSecondary">
            The cluster keeps no recent events about v{number}'s objects.
          </Typography>
        )}
      </Box>
    </Box>
  );
}
