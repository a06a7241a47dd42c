import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { ReactNode } from 'react';

/**
 * One value a promotion needs before it runs: a fieldset whose legend names
 * the field and the target workspace, with what the source has (and why it
 * is asked) under it. EnvInputField and ValueInputField put their inputs in it.
 */
export function InputFieldset(props: {
  /** The base of the element ids; the description is `${id}-${aboutSuffix}`. */
  id: string;
  aboutSuffix: string;
  testId: string;
  /** The env key or spec path asked for. */
  field: string;
  targetWorkspace: string;
  about: ReactNode;
  children: ReactNode;
}) {
  const aboutId = `${props.id}-${props.aboutSuffix}`;
  return (
    <Box
      component="fieldset"
      border={0}
      p={0}
      m={0}
      mb={2}
      aria-describedby={aboutId}
      data-testid={props.testId}
    >
      <Typography component="legend" variant="subtitle2">
        <code>{props.field}</code> in {props.targetWorkspace}
      </Typography>
      <Typography id={aboutId} variant="body2" color="textSecondary">
        {props.about}
      </Typography>
      {props.children}
    </Box>
  );
}
