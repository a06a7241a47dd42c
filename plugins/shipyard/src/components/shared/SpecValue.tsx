import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { formatValue, isAbsent } from './formatValue';
import { ImageRef } from './ImageRef';

const useStyles = makeStyles(theme => ({
  value: {
    fontFamily: 'monospace',
    fontSize: theme.typography.body2.fontSize,
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    margin: 0,
  },
}));

/** A spec value in monospace; an absent value says so in words, an image wraps only between its parts. */
export function SpecValue(props: {
  value: unknown;
  absentText?: string;
  /** The field it is the value of, e.g. `image`. */
  path?: string;
}) {
  const classes = useStyles();
  if (isAbsent(props.value)) {
    return (
      <Typography variant="body2" color="textSecondary" component="span">
        <em>{props.absentText ?? 'not set'}</em>
      </Typography>
    );
  }
  if (
    typeof props.value === 'string' &&
    (props.path === 'image' || props.path?.endsWith('.image'))
  ) {
    return (
      <span className={classes.value}>
        <ImageRef image={props.value} />
      </span>
    );
  }
  const text = formatValue(props.value);
  return text.includes('\n') ? (
    <pre className={classes.value}>{text}</pre>
  ) : (
    <code className={classes.value}>{text === '' ? '""' : text}</code>
  );
}
