import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import { formatValue } from '../shared/formatValue';
import { EnvInput, inputFromSource } from './envInputs';
import { InputFieldset } from './InputFieldset';

const KIND_LABELS: Record<EnvInput['kind'], string> = {
  literal: 'Literal value',
  secret: 'Secret reference',
  configMap: 'ConfigMap reference',
};

/**
 * The value of one env key new in the source, for the target. The source's
 * value is offered, not filled in: a value right for staging is often wrong
 * for prod, and that is exactly what this input is for. The fieldset's legend
 * names the key, so each field's label can stay short.
 */
export function EnvInputField(props: {
  envKey: string;
  source: unknown;
  sourceWorkspace: string;
  targetWorkspace: string;
  value: EnvInput;
  problems: string[];
  /** Shown under the value when there is no problem, e.g. that a reference is being checked. */
  note?: string;
  showProblems: boolean;
  onChange: (value: EnvInput) => void;
}) {
  const { envKey, source, value, problems, showProblems } = props;
  const set = (patch: Partial<EnvInput>) =>
    props.onChange({ ...value, ...patch });
  const problemText =
    showProblems && problems.length ? problems.join('; ') : undefined;
  const helperText = problemText ?? props.note;
  const id = `shipyard-input-${envKey}`;
  return (
    <InputFieldset
      id={id}
      aboutSuffix="source"
      testId={`env-input-${envKey}`}
      field={envKey}
      targetWorkspace={props.targetWorkspace}
      about={
        <>
          In {props.sourceWorkspace}:{' '}
          <code>{formatValue(source) || '(empty)'}</code>
        </>
      }
    >
      <Box
        display="flex"
        flexWrap="wrap"
        alignItems="flex-start"
        mt={1}
        style={{ gap: 8 }}
      >
        <TextField
          select
          id={`${id}-kind`}
          label="Kind"
          value={value.kind}
          onChange={e => set({ kind: e.target.value as EnvInput['kind'] })}
          variant="outlined"
          size="small"
          style={{ minWidth: 200 }}
        >
          {(Object.keys(KIND_LABELS) as EnvInput['kind'][]).map(kind => (
            <MenuItem key={kind} value={kind}>
              {KIND_LABELS[kind]}
            </MenuItem>
          ))}
        </TextField>
        {value.kind === 'literal' ? (
          <TextField
            id={`${id}-value`}
            label="Value"
            value={value.value}
            onChange={e => set({ value: e.target.value })}
            variant="outlined"
            size="small"
            error={!!problemText}
            helperText={helperText}
            inputProps={{ 'aria-invalid': !!problemText }}
            style={{ minWidth: 260, flexGrow: 1 }}
          />
        ) : (
          <>
            <TextField
              id={`${id}-name`}
              label={value.kind === 'secret' ? 'Secret name' : 'ConfigMap name'}
              value={value.name}
              onChange={e => set({ name: e.target.value })}
              variant="outlined"
              size="small"
              error={!!problemText}
              helperText={helperText}
              inputProps={{ 'aria-invalid': !!problemText }}
            />
            <TextField
              id={`${id}-key`}
              label="Key"
              value={value.key}
              onChange={e => set({ key: e.target.value })}
              variant="outlined"
              size="small"
              error={!!problemText}
              inputProps={{ 'aria-invalid': !!problemText }}
            />
          </>
        )}
        {source !== undefined && (
          <Button
            size="small"
            onClick={() => props.onChange(inputFromSource(source))}
            aria-label={`Use the ${props.sourceWorkspace} value for ${envKey}`}
            style={{ marginTop: 4 }}
          >
            Use {props.sourceWorkspace} value
          </Button>
        )}
      </Box>
    </InputFieldset>
  );
}
