import Box from '@material-ui/core/Box';
import Paper from '@material-ui/core/Paper';
import Typography from '@material-ui/core/Typography';
import ArrowForward from '@material-ui/icons/ArrowForward';
import type { ServiceWorkspaceState } from '@shipyard/backstage-plugin-common';
import { Fragment } from 'react';
import { leaseShortText } from '../shared/leaseWords';
import { useSignedInUser } from '../shared/WorkspaceNotices';
import { driftLabel, WorkspaceHealth } from '../shared/WorkspaceHealth';

/** The promotion path as a row of workspaces, each with its current version, drift and lease holder. */
export function PromotionPipeline(props: {
  path: string[];
  states: ServiceWorkspaceState[];
  source?: string;
  target?: string;
}) {
  const { path, states, source, target } = props;
  const me = useSignedInUser();
  return (
    <Box
      component="ol"
      aria-label="Promotion path"
      display="flex"
      alignItems="stretch"
      flexWrap="wrap"
      p={0}
      m={0}
      style={{ listStyle: 'none', gap: 8 }}
    >
      {path.map((name, index) => {
        const state = states.find(s => s.workspace.name === name);
        let role: 'source' | 'target' | undefined;
        if (name === source) {
          role = 'source';
        } else if (name === target) {
          role = 'target';
        }
        return (
          <Fragment key={name}>
            {index > 0 && (
              <Box
                component="li"
                aria-hidden
                display="flex"
                alignItems="center"
              >
                <ArrowForward color="action" />
              </Box>
            )}
            <Box component="li" minWidth={200} flex="1 1 200px" maxWidth={320}>
              <Paper
                variant="outlined"
                style={{
                  padding: 12,
                  height: '100%',
                  borderWidth: role ? 2 : 1,
                }}
                aria-label={`Workspace ${name}${
                  role ? `, promotion ${role}` : ''
                }`}
              >
                <Box
                  display="flex"
                  justifyContent="space-between"
                  alignItems="baseline"
                >
                  <Typography variant="h6" component="h3">
                    {name}
                  </Typography>
                  {role && (
                    <Typography variant="overline" component="span">
                      {role}
                    </Typography>
                  )}
                </Box>
                {state ? (
                  <>
                    <Typography
                      variant="caption"
                      color="textSecondary"
                      component="p"
                    >
                      {state.workspace.environment}
                      {state.workspace.protected ? ' · protected' : ''}
                      {state.workspace.cluster && !state.workspace.notApplied
                        ? ` · ${state.workspace.cluster}`
                        : ' · recorded only (no cluster)'}
                    </Typography>
                    <WorkspaceHealth state={state} compact />
                    <Typography variant="body2" component="p">
                      Drift: {driftLabel(state)}
                    </Typography>
                    {state.lease && (
                      <Typography variant="body2" component="p">
                        {leaseShortText(state.lease, me)}
                      </Typography>
                    )}
                  </>
                ) : (
                  <Typography variant="body2" color="error">
                    Not a configured workspace
                  </Typography>
                )}
              </Paper>
            </Box>
          </Fragment>
        );
      })}
    </Box>
  );
}
