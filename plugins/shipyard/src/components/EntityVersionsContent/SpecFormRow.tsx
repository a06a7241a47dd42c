import Grid from '@material-ui/core/Grid';
import IconButton from '@material-ui/core/IconButton';
import TextField from '@material-ui/core/TextField';
import DeleteIcon from '@material-ui/icons/Delete';
import type { ReactNode } from 'react';
import { fieldId } from './specFormFields';

/** A small outlined field of the spec form, showing the schema's error for its path (or a hint while there is none). */
export function SpecTextField(props: {
  id: string;
  label: string;
  value: unknown;
  onChange: (text: string) => void;
  error?: string;
  hint?: string;
  select?: boolean;
  children?: ReactNode;
}) {
  return (
    <TextField
      id={fieldId(props.id)}
      select={props.select}
      label={props.label}
      value={props.value}
      onChange={e => props.onChange(e.target.value)}
      error={!!props.error}
      helperText={props.error ?? props.hint}
      size="small"
      variant="outlined"
      fullWidth
    >
      {props.children}
    </TextField>
  );
}

/** One entry of a list in the spec form (an env var, a port, a mount), named for screen readers, with its remove button last. */
export function SpecFormRow(props: {
  label: string;
  removeLabel: string;
  onRemove: () => void;
  children: ReactNode;
}) {
  return (
    <Grid
      container
      spacing={1}
      alignItems="flex-start"
      role="group"
      aria-label={props.label}
    >
      {props.children}
      <Grid item xs={1}>
        <IconButton
          aria-label={props.removeLabel}
          size="small"
          onClick={props.onRemove}
        >
          <DeleteIcon fontSize="small" />
        </IconButton>
      </Grid>
    </Grid>
  );
}
