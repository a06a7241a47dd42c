import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { useServiceWorkspaces } from '../../hooks/useServiceWorkspaces';
import { OriginBadge } from '../shared/OriginBadge';
import { RelativeTime } from '../shared/RelativeTime';
import { driftLabel, WorkspaceHealth } from '../shared/WorkspaceHealth';

/**
 * The overview card: the current version of the service in each workspace,
 * with its status, origin and drift.
 * @public
 */
export function EntityShipyardOverviewCard() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const { states, error } = useServiceWorkspaces(entityRef);

  let content;
  if (error && !states) {
    content = (
      <ResponseErrorPanel error={error} title="Could not load deployments" />
    );
  } else if (!states) {
    content = <Progress />;
  } else if (states.length === 0) {
    content = (
      <Typography variant="body2">
        No Shipyard workspaces: add <code>shipyard/workspaces</code> to this
        entity.
      </Typography>
    );
  } else {
    content = (
      <Table size="small" aria-label="Current version per workspace">
        <TableHead>
          <TableRow>
            <TableCell component="th">Workspace</TableCell>
            <TableCell component="th">Current version</TableCell>
            <TableCell component="th">Origin</TableCell>
            <TableCell component="th">Deployed</TableCell>
            <TableCell component="th">Drift</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {states.map(state => (
            <TableRow
              key={state.workspace.name}
              data-testid={`overview-${state.workspace.name}`}
            >
              <TableCell>
                {state.workspace.name}
                {state.workspace.protected ? ' (protected)' : ''}
              </TableCell>
              <TableCell>
                <WorkspaceHealth
                  state={state}
                  compact
                  versionLink={number =>
                    `versions/${encodeURIComponent(
                      state.workspace.name,
                    )}/${number}`
                  }
                />
              </TableCell>
              <TableCell>
                {state.currentVersion ? (
                  <OriginBadge origin={state.currentVersion.origin} />
                ) : null}
              </TableCell>
              <TableCell>
                {state.currentVersion ? (
                  <RelativeTime iso={state.currentVersion.createdAt} />
                ) : null}
              </TableCell>
              <TableCell>
                {state.currentVersion ? driftLabel(state) : ''}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    );
  }
  return (
    <InfoCard
      title="Deployments"
      subheader="Shipyard: current version per workspace"
      titleTypographyProps={{ component: 'h3' }}
      noPadding={!!states?.length}
    >
      {content}
    </InfoCard>
  );
}
