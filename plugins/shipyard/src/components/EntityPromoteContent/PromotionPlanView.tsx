import Accordion from '@material-ui/core/Accordion';
import AccordionDetails from '@material-ui/core/AccordionDetails';
import AccordionSummary from '@material-ui/core/AccordionSummary';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import ExpandMore from '@material-ui/icons/ExpandMore';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type {
  PlanAction,
  PlanChange,
  PlanIssue,
  PromotionPlan,
} from '@shipyard/backstage-plugin-common';
import { SpecValue } from '../shared/SpecValue';
import { EnvInputField } from './EnvInputField';
import { EMPTY_INPUT, EnvInput } from './envInputs';
import type { InputChecks } from './useInputChecks';

/** The groups of a plan, in the order a reviewer reads them. */
export const PLAN_GROUPS: Array<{
  action: PlanAction;
  title: string;
  description: string;
}> = [
  {
    action: 'overwrite',
    title: 'Will change',
    description: 'taken from the source',
  },
  {
    action: 'retain',
    title: 'Kept in target',
    description: 'the target keeps its own value',
  },
  {
    action: 'needs-input',
    title: 'Needs your input',
    description: 'new in the source: give the value for the target',
  },
  {
    action: 'remove',
    title: 'Removed',
    description: 'gone from the source, removed from the target',
  },
  {
    action: 'unchanged',
    title: 'Unchanged',
    description: 'the same in source and target',
  },
];

/** The env key of a plan path, `NEW_KEY` for `env.NEW_KEY`. */
export function envKeyOf(path: string | undefined): string | undefined {
  return path?.startsWith('env.') ? path.slice(4) : undefined;
}

/** Whether a blocker is one an input resolves, and it is resolved. */
export function isResolvedBy(
  blocker: PlanIssue,
  resolvedKeys: Set<string>,
): boolean {
  const key = envKeyOf(blocker.path);
  return blocker.code === 'env-needs-input' && !!key && resolvedKeys.has(key);
}

function ChangesTable(props: {
  changes: PlanChange[];
  plan: PromotionPlan;
  caption: string;
}) {
  const { plan } = props;
  return (
    <Table size="small" aria-label={props.caption}>
      <TableHead>
        <TableRow>
          <TableCell component="th">Field</TableCell>
          <TableCell component="th">In {plan.target.workspace} now</TableCell>
          <TableCell component="th">After promotion</TableCell>
          <TableCell component="th">In {plan.source.workspace}</TableCell>
          <TableCell component="th">Why</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {props.changes.map(change => (
          <TableRow key={change.path} data-testid={`plan-${change.path}`}>
            <TableCell style={{ whiteSpace: 'nowrap' }}>
              <code>{change.path}</code>
            </TableCell>
            <TableCell>
              <SpecValue
                value={change.from}
                absentText={plan.firstPromotion ? 'empty workspace' : 'not set'}
              />
            </TableCell>
            <TableCell>
              <SpecValue
                value={change.to}
                absentText={change.action === 'remove' ? 'removed' : 'not set'}
              />
            </TableCell>
            <TableCell>
              <SpecValue
                value={
                  change.source ??
                  (change.action === 'overwrite' ||
                  change.action === 'unchanged'
                    ? change.to
                    : undefined)
                }
              />
            </TableCell>
            <TableCell>{change.reason}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/**
 * A promotion plan as the reviewer reads it: blockers and warnings first,
 * then every field grouped by what happens to it, with inputs for the env
 * keys new in the source.
 */
export function PromotionPlanView(props: {
  plan: PromotionPlan;
  inputs: Record<string, EnvInput>;
  checks: InputChecks;
  showProblems: boolean;
  onInputChange: (key: string, value: EnvInput) => void;
}) {
  const { plan, inputs, checks } = props;
  const { problems, resolved } = checks;
  const unresolvedCount = plan.blockers.filter(
    b => !isResolvedBy(b, resolved),
  ).length;
  // What the value given for a blocker's key is doing: resolving it, being checked, or wrong.
  const blockerState = (blocker: PlanIssue) => {
    const key = envKeyOf(blocker.path);
    if (isResolvedBy(blocker, resolved)) {
      return ' — resolved by your input';
    }
    if (blocker.code !== 'env-needs-input' || !key || !inputs[key]) {
      return '';
    }
    if (checks.checking.has(key)) {
      return ` — checking your value in ${plan.target.workspace}…`;
    }
    return problems[key]?.length
      ? ` — your value: ${problems[key].join('; ')}`
      : '';
  };
  const byAction = (action: PlanAction) =>
    plan.changes.filter(c => c.action === action);
  const source = `${plan.source.workspace} v${plan.source.version}`;
  const target = plan.target.version
    ? `${plan.target.workspace} v${plan.target.version}`
    : `${plan.target.workspace} (empty)`;

  return (
    <Box display="flex" flexDirection="column" style={{ gap: 12 }}>
      <Typography variant="h6" component="h3">
        Plan: {source} → {target}
      </Typography>
      {plan.blockers.length > 0 && (
        <Alert
          severity={unresolvedCount > 0 ? 'error' : 'success'}
          role="alert"
        >
          <AlertTitle>
            {unresolvedCount > 0
              ? `Blockers (${unresolvedCount} unresolved)`
              : 'Blockers: all resolved by your input'}
          </AlertTitle>
          <ul aria-label="Blockers" style={{ margin: 0, paddingLeft: 20 }}>
            {plan.blockers.map(blocker => (
              <li key={`${blocker.code}:${blocker.path ?? ''}`}>
                {blocker.message}
                {blockerState(blocker)}
              </li>
            ))}
          </ul>
        </Alert>
      )}
      {plan.warnings.length > 0 && (
        <Alert severity="warning">
          <AlertTitle>Warnings</AlertTitle>
          <ul aria-label="Warnings" style={{ margin: 0, paddingLeft: 20 }}>
            {plan.warnings.map(warning => (
              <li key={`${warning.code}:${warning.path ?? ''}`}>
                {warning.message}
              </li>
            ))}
          </ul>
        </Alert>
      )}
      {PLAN_GROUPS.map(group => {
        const changes = byAction(group.action);
        if (changes.length === 0) {
          return null;
        }
        const id = `shipyard-plan-${group.action}`;
        return (
          <Accordion
            key={group.action}
            defaultExpanded={group.action !== 'unchanged'}
            data-testid={id}
            variant="outlined"
          >
            <AccordionSummary
              expandIcon={<ExpandMore />}
              aria-controls={`${id}-content`}
              id={`${id}-header`}
            >
              <Typography variant="subtitle1" component="h4">
                {group.title} ({changes.length})
              </Typography>
              <Typography
                variant="body2"
                color="textSecondary"
                style={{ marginLeft: 12, alignSelf: 'center' }}
              >
                {group.description}
              </Typography>
            </AccordionSummary>
            <AccordionDetails id={`${id}-content`} style={{ display: 'block' }}>
              {group.action === 'needs-input' ? (
                changes.map(change => {
                  const key = envKeyOf(change.path) ?? change.path;
                  return (
                    <EnvInputField
                      key={key}
                      envKey={key}
                      source={change.source}
                      sourceWorkspace={plan.source.workspace}
                      targetWorkspace={plan.target.workspace}
                      value={inputs[key] ?? EMPTY_INPUT}
                      problems={problems[key] ?? []}
                      note={
                        checks.checking.has(key)
                          ? `Checking it exists in namespace ${plan.target.workspace}…`
                          : checks.notes[key]
                      }
                      showProblems={
                        props.showProblems || inputs[key] !== undefined
                      }
                      onChange={value => props.onInputChange(key, value)}
                    />
                  );
                })
              ) : (
                <ChangesTable
                  changes={changes}
                  plan={plan}
                  caption={`${group.title}: ${group.description}`}
                />
              )}
            </AccordionDetails>
          </Accordion>
        );
      })}
    </Box>
  );
}
