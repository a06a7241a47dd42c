import Box from '@material-ui/core/Box';
import TextField from '@material-ui/core/TextField';
import type { PlanChange } from '@shipyard/backstage-plugin-common';
import { formatValue } from '../shared/formatValue';
import { InputFieldset } from './InputFieldset';

/**
 * The target's value of a needs-input change outside env, such as the host
 * of an exposed port on a first promotion. The source's value is shown, not
 * offered: a host right for staging is the one prod must not take.
 */
export function ValueInputField(props: {
  change: PlanChange;
  sourceWorkspace: string;
  targetWorkspace: string;
  value: string;
  problems: string[];
  showProblems: boolean;
  onChange: (value: string) => void;
}) {
  const { change, problems, showProblems } = props;
  const problemText =
    showProblems && problems.length ? problems.join('; ') : undefined;
  const id = `shipyard-value-${change.path.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return (
    <InputFieldset
      id={id}
      aboutSuffix="about"
      testId={`value-input-${change.path}`}
      field={change.path}
      targetWorkspace={props.targetWorkspace}
      about={
        <>
          {change.reason}
          {change.source !== undefined && (
            <>
              {' '}
              — in {props.sourceWorkspace}:{' '}
              <code>{formatValue(change.source)}</code>
            </>
          )}
        </>
      }
    >
      <Box mt={1}>
        <TextField
          id={`${id}-value`}
          label={change.path}
          value={props.value}
          onChange={e => props.onChange(e.target.value)}
          variant="outlined"
          size="small"
          error={!!problemText}
          helperText={problemText}
          inputProps={{ 'aria-invalid': !!problemText }}
          style={{ minWidth: 320 }}
        />
      </Box>
    </InputFieldset>
  );
}
