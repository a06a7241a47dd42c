import Box from '@material-ui/core/Box';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import type { PromotionPlan } from '@shipyard/backstage-plugin-common';
import { formatValue } from '../shared/formatValue';
import { EnvInput, toEnvValue } from './envInputs';
import { PromotionChecklist } from './PromotionChecklist';
import { envKeyOf, groupOf } from './PromotionPlanView';

/**
 * What a reviewer should know a promotion does beyond copying the artifact:
 * the values it sets that the source does not have, the fields it drops or
 * leaves out. Secret values never reach the UI, only references.
 */
export function reviewItems(
  plan: PromotionPlan,
  inputs: Record<string, EnvInput>,
  /** The needs-input keys whose values passed every check; others are not listed as values. */
  resolved: Set<string>,
  /** The valid values given for needs-input changes outside env, by path. */
  values: Record<string, string> = {},
): string[] {
  const target = plan.target.workspace;
  const source = plan.source.workspace;
  const items: string[] = [];
  for (const change of plan.changes) {
    const group = groupOf(change);
    if (group === 'needs-input') {
      const key = envKeyOf(change.path);
      let value: unknown;
      if (key === undefined) {
        value = values[change.path];
      } else if (resolved.has(key)) {
        value = toEnvValue(inputs[key]);
      }
      items.push(
        value === undefined
          ? `${change.path} needs a value for ${target}`
          : `${change.path} gets a value of its own in ${target}: ${
              typeof value === 'string'
                ? JSON.stringify(value)
                : formatValue(value)
            }`,
      );
    } else if (group === 'remove') {
      items.push(
        `${change.path} is removed from ${target}: ${source} no longer sets it`,
      );
    } else if (group === 'not-taken') {
      items.push(
        `${change.path} is set in ${source} but not taken: ${target} keeps none`,
      );
    }
  }
  return items;
}

/**
 * The review before the Promote button: what the promotion sets and drops,
 * the checklist of the plan to tick off, and, for a protected target, the
 * target's name typed to confirm.
 */
export function PromotionReview(props: {
  plan: PromotionPlan;
  inputs: Record<string, EnvInput>;
  resolved: Set<string>;
  /** The valid values given for needs-input changes outside env, by path. */
  values?: Record<string, string>;
  protectedTarget: boolean;
  checked: Set<number>;
  onToggle: (index: number) => void;
  confirmation: string;
  onConfirmationChange: (text: string) => void;
}) {
  const { plan, inputs, protectedTarget } = props;
  const target = plan.target.workspace;
  const items = reviewItems(plan, inputs, props.resolved, props.values);
  const nothing = items.length === 0 && plan.checklist.length === 0;
  return (
    <Box
      component="section"
      aria-labelledby="shipyard-review-title"
      display="flex"
      flexDirection="column"
      style={{ gap: 8 }}
    >
      <Typography id="shipyard-review-title" variant="h6" component="h3">
        Review before promoting to {target}
      </Typography>
      {plan.firstPromotion && (
        <Typography variant="body2">
          {target} has no version yet: everything is copied from{' '}
          {plan.source.workspace} v{plan.source.version}, including its scaling
          and the values below.
        </Typography>
      )}
      {items.length > 0 && (
        <Box
          component="ul"
          aria-label="What this promotion sets and drops"
          my={0}
          pl={2.5}
        >
          {items.map(item => (
            <li key={item}>
              <Typography variant="body2">{item}</Typography>
            </li>
          ))}
        </Box>
      )}
      <PromotionChecklist
        items={plan.checklist}
        title={`Check in ${target}`}
        done={props.checked}
        onToggle={props.onToggle}
      />
      {nothing && (
        <Typography variant="body2" color="textSecondary">
          Nothing else to review: the promotion sets no values of its own and
          drops nothing.
        </Typography>
      )}
      {protectedTarget && (
        <TextField
          id="shipyard-promote-confirmation"
          label={`Type ${target} to confirm`}
          helperText={`${target} is a protected workspace: type its name to promote into it.`}
          value={props.confirmation}
          onChange={e => props.onConfirmationChange(e.target.value)}
          variant="outlined"
          size="small"
          autoComplete="off"
          inputProps={{ spellCheck: false }}
          style={{ maxWidth: 360 }}
        />
      )}
    </Box>
  );
}
