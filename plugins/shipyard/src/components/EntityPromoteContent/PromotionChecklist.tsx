import Box from '@material-ui/core/Box';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Typography from '@material-ui/core/Typography';

/**
 * What to check for a promotion (env vars pointing at other databases,
 * scaling copied from a smaller environment), to tick off. The same ticks
 * show before the promotion, as part of the plan, and after it.
 */
export function PromotionChecklist(props: {
  items: string[];
  title: string;
  done: Set<number>;
  onToggle: (index: number) => void;
}) {
  const { items, done } = props;
  if (items.length === 0) {
    return null;
  }
  const id = `shipyard-checklist-${props.title.replace(/\W+/g, '-')}`;
  return (
    <Box component="section" aria-labelledby={id}>
      <Typography id={id} variant="subtitle1" component="h4">
        {props.title} ({done.size} of {items.length} checked)
      </Typography>
      <Box component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
        {items.map((item, index) => (
          <li key={index}>
            <FormControlLabel
              control={
                <Checkbox
                  checked={done.has(index)}
                  onChange={() => props.onToggle(index)}
                />
              }
              label={item}
            />
          </li>
        ))}
      </Box>
    </Box>
  );
}
