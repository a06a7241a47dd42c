import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type { DeployPreflightState } from './useDeployPreflight';

/** What the workspace lacks for a spec, and its warnings, shown before the deploy is sent. */
export function DeployPreflightNotes(props: {
  workspace: string;
  preflight: DeployPreflightState;
}) {
  const { workspace, preflight } = props;
  return (
    <Box mt={2} display="flex" flexDirection="column" style={{ gap: 8 }}>
      {preflight.checking && (
        <Typography variant="body2" color="textSecondary" role="status">
          Checking the Secrets and ConfigMaps this spec reads in {workspace}…
        </Typography>
      )}
      {preflight.error && (
        <Typography variant="body2" color="textSecondary" role="status">
          Could not check the Secrets and ConfigMaps in {workspace} (
          {preflight.error}); the deploy checks them again.
        </Typography>
      )}
      {preflight.blockers.length > 0 && (
        <Alert severity="warning" data-testid="deploy-preflight">
          <AlertTitle>
            {workspace} lacks what this spec reads: its pods would not start
          </AlertTitle>
          <ul
            aria-label="Missing in the workspace"
            style={{ margin: 0, paddingLeft: 20 }}
          >
            {preflight.blockers.map(blocker => (
              <li key={`${blocker.code}:${blocker.path ?? ''}`}>
                {blocker.path ? <code>{blocker.path}</code> : null}
                {blocker.path ? ': ' : ''}
                {blocker.message}
              </li>
            ))}
          </ul>
          Create them first, or deploy anyway if they will exist before the pods
          need them.
        </Alert>
      )}
      {preflight.warnings.length > 0 && (
        <Alert severity="info">
          <ul aria-label="Spec warnings" style={{ margin: 0, paddingLeft: 20 }}>
            {preflight.warnings.map(warning => (
              <li key={`${warning.code}:${warning.path ?? ''}`}>
                {warning.message}
              </li>
            ))}
          </ul>
        </Alert>
      )}
    </Box>
  );
}
