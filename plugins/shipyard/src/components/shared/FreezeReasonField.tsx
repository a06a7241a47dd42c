import TextField from '@material-ui/core/TextField';
import type { ActiveFreeze } from '@shipyard/backstage-plugin-common';
import { freezeText } from './freezeText';

/**
 * The reason to deploy or promote into a workspace during its freeze
 * window, for someone holding `shipyard.freeze.override`: required, and
 * described by the window's name and end. The backend audits it.
 */
export function FreezeReasonField(props: {
  id: string;
  operation: 'deploy' | 'promote';
  workspace: string;
  freeze: ActiveFreeze;
  value: string;
  onChange: (value: string) => void;
}) {
  const { operation, workspace, freeze } = props;
  return (
    <TextField
      id={props.id}
      label={`Reason to ${operation} during the freeze '${freeze.name}'`}
      helperText={`${freezeText(
        workspace,
        freeze,
      )}. You may go ahead; the reason is audited.`}
      value={props.value}
      onChange={e => props.onChange(e.target.value)}
      variant="outlined"
      size="small"
      fullWidth
      required
    />
  );
}
