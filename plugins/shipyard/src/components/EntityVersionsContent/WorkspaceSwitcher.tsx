import Box from '@material-ui/core/Box';
import Tab from '@material-ui/core/Tab';
import Tabs from '@material-ui/core/Tabs';
import Typography from '@material-ui/core/Typography';
import type { ServiceWorkspaceState } from '@shipyard/backstage-plugin-common';
import { WorkspaceHealth } from '../shared/WorkspaceHealth';

/** One tab per workspace of the service, each with its current version and health. */
export function WorkspaceSwitcher(props: {
  states: ServiceWorkspaceState[];
  selected: string;
  onSelect: (workspace: string) => void;
}) {
  return (
    <Tabs
      value={props.selected}
      onChange={(_, value) => props.onSelect(value)}
      aria-label="Workspace"
      indicatorColor="primary"
      variant="scrollable"
      scrollButtons="auto"
    >
      {props.states.map(state => (
        <Tab
          key={state.workspace.name}
          value={state.workspace.name}
          id={`shipyard-workspace-tab-${state.workspace.name}`}
          aria-controls="shipyard-workspace-panel"
          style={{
            textTransform: 'none',
            alignItems: 'flex-start',
            minWidth: 160,
          }}
          label={
            <Box textAlign="left" width="100%">
              <Typography variant="subtitle2" component="span" display="block">
                {state.workspace.title ?? state.workspace.name}
                {state.workspace.protected ? ' (protected)' : ''}
              </Typography>
              <WorkspaceHealth state={state} compact />
            </Box>
          }
        />
      ))}
    </Tabs>
  );
}
