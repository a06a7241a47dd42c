import Box from '@material-ui/core/Box';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';

/** What to review after a promotion (env vars pointing at other databases, scaling), to tick off. */
export function PromotionChecklist(props: { items: string[]; target: string }) {
  const [done, setDone] = useState<Set<number>>(new Set());
  if (props.items.length === 0) {
    return (
      <Typography variant="body2">
        Nothing to review: the plan left no open questions.
      </Typography>
    );
  }
  return (
    <Box component="section" aria-labelledby="shipyard-checklist-title">
      <Typography id="shipyard-checklist-title" variant="h6" component="h3">
        After the promotion: check in {props.target} ({done.size} of{' '}
        {props.items.length} done)
      </Typography>
      <Box component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
        {props.items.map((item, index) => (
          <li key={index}>
            <FormControlLabel
              control={
                <Checkbox
                  checked={done.has(index)}
                  onChange={() =>
                    setDone(previous => {
                      const next = new Set(previous);
                      if (!next.delete(index)) {
                        next.add(index);
                      }
                      return next;
                    })
                  }
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
