import Accordion from '@material-ui/core/Accordion';
import AccordionDetails from '@material-ui/core/AccordionDetails';
import AccordionSummary from '@material-ui/core/AccordionSummary';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import ExpandMore from '@material-ui/icons/ExpandMore';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import {
  canonicalJson,
  PROMOTABLE_FIELDS,
  type PlanAction,
  type PlanChange,
  type PlanIssue,
  type PromotionPlan,
} from '@shipyard/backstage-plugin-common';
import { SpecValue } from '../shared/SpecValue';
import { EnvInputField } from './EnvInputField';
import { EMPTY_INPUT, EnvInput } from './envInputs';
import type { InputChecks } from './useInputChecks';
import { ValueInputField } from './ValueInputField';

/** A group of a plan's changes: one planner action, or the fields set only in the source that it does not take. */
export type PlanGroup = PlanAction | 'not-taken';

/** The groups of a plan, in the order a reviewer reads them. */
export const PLAN_GROUPS: Array<{
  group: PlanGroup;
  title: string;
  description: string;
}> = [
  {
    group: 'overwrite',
    title: 'Will change',
    description: 'taken from the source',
  },
  {
    group: 'needs-input',
    title: 'Needs your input',
    description: 'give the value the target should have',
  },
  {
    group: 'not-taken',
    title: 'Not taken from the source',
    description: 'set only in the source; the rules leave it out',
  },
  {
    group: 'remove',
    title: 'Removed',
    description: 'gone from the source, removed from the target',
  },
  {
    group: 'retain',
    title: 'Kept in target',
    description: 'the target keeps its own value',
  },
  {
    group: 'unchanged',
    title: 'Unchanged',
    description: 'the same in source and target',
  },
];

/** The group a change is shown in. */
export function groupOf(change: PlanChange): PlanGroup {
  return change.action === 'retain' &&
    change.from === undefined &&
    change.source !== undefined
    ? 'not-taken'
    : change.action;
}

/**
 * Whether promoting would leave the target exactly as it is: every field is
 * kept or already the same, and nothing needs input.
 */
export function changesNothing(plan: PromotionPlan): boolean {
  return (
    !plan.firstPromotion &&
    plan.changes.every(
      change =>
        change.action === 'unchanged' ||
        (change.action === 'retain' && same(change.from, change.to)),
    )
  );
}

function same(a: unknown, b: unknown): boolean {
  return (
    a === b ||
    (a !== undefined &&
      b !== undefined &&
      canonicalJson(a) === canonicalJson(b))
  );
}

/** The env key of a plan path, `NEW_KEY` for `env.NEW_KEY`. */
export function envKeyOf(path: string | undefined): string | undefined {
  return path?.startsWith('env.') ? path.slice(4) : undefined;
}

/** Values given for needs-input changes outside env, by path, and where they stand. */
export interface ValueInputs {
  values: Record<string, string>;
  /** What is wrong with each path's value; empty when nothing is. */
  problems: Record<string, string[]>;
  /** Paths whose value is given and valid. */
  resolved: Set<string>;
}

/** Whether a blocker is one an input resolves, and it is resolved: an env key's, or another field's by its path. */
export function isResolvedBy(
  blocker: PlanIssue,
  resolvedKeys: Set<string>,
  resolvedPaths: Set<string> = new Set(),
): boolean {
  if (blocker.code === 'field-needs-input') {
    return !!blocker.path && resolvedPaths.has(blocker.path);
  }
  const key = envKeyOf(blocker.path);
  return blocker.code === 'env-needs-input' && !!key && resolvedKeys.has(key);
}

function ChangesTable(props: {
  changes: PlanChange[];
  plan: PromotionPlan;
  caption: string;
  onTake?: (path: string) => void;
  taken?: string[];
  onLeaveOut?: (path: string) => void;
}) {
  const { plan, changes, onTake, onLeaveOut } = props;
  const isTaken = (change: PlanChange) =>
    !!onLeaveOut &&
    change.action === 'overwrite' &&
    !!props.taken?.includes(change.path);
  const target = plan.target.workspace;
  const sourceName = plan.source.workspace;
  // A column that would repeat its neighbour is left out: "After promotion"
  // when nothing changes, the source's value when it is what the target gets.
  const showAfter = changes.some(change => !same(change.from, change.to));
  const showSource = changes.some(change => change.source !== undefined);
  // Only whole fields can be taken (a promote call's `take`), not single labels.
  const takeable = (change: PlanChange) =>
    groupOf(change) === 'not-taken' &&
    (PROMOTABLE_FIELDS as readonly string[]).includes(change.path);
  const showTake =
    (!!onTake && changes.some(takeable)) || changes.some(isTaken);
  const afterTitle = changes.every(c => c.action === 'overwrite')
    ? `After promotion (from ${sourceName})`
    : 'After promotion';
  let nowTitle = `In ${target} now`;
  if (!showAfter && !showSource) {
    nowTitle = `In ${target} and ${sourceName}`;
  }
  return (
    <Table size="small" aria-label={props.caption}>
      <TableHead>
        <TableRow>
          <TableCell component="th">Field</TableCell>
          <TableCell component="th">{nowTitle}</TableCell>
          {showAfter && <TableCell component="th">{afterTitle}</TableCell>}
          {showSource && <TableCell component="th">In {sourceName}</TableCell>}
          <TableCell component="th">Why</TableCell>
          {showTake && (
            <TableCell component="th">
              <span className="MuiTypography-srOnly">Actions</span>
            </TableCell>
          )}
        </TableRow>
      </TableHead>
      <TableBody>
        {changes.map(change => (
          <TableRow key={change.path} data-testid={`plan-${change.path}`}>
            <TableCell style={{ whiteSpace: 'nowrap' }}>
              <code>{change.path}</code>
            </TableCell>
            <TableCell>
              <SpecValue
                path={change.path}
                value={change.from}
                absentText={plan.firstPromotion ? 'empty workspace' : 'not set'}
              />
            </TableCell>
            {showAfter && (
              <TableCell>
                <SpecValue
                  path={change.path}
                  value={change.to}
                  absentText={
                    change.action === 'remove' ? 'removed' : 'not set'
                  }
                />
              </TableCell>
            )}
            {showSource && (
              <TableCell>
                <SpecValue
                  path={change.path}
                  value={change.source}
                  absentText="—"
                />
              </TableCell>
            )}
            <TableCell>{change.reason}</TableCell>
            {showTake && (
              <TableCell style={{ whiteSpace: 'nowrap' }}>
                {isTaken(change) && (
                  <Button
                    size="small"
                    onClick={() => onLeaveOut!(change.path)}
                    aria-label={`Leave ${change.path} out again`}
                  >
                    Leave it out
                  </Button>
                )}
                {onTake && takeable(change) && (
                  <Button
                    size="small"
                    variant="outlined"
                    onClick={() => onTake!(change.path)}
                    aria-label={`Take ${change.path} from ${sourceName}`}
                  >
                    Take it from {sourceName}
                  </Button>
                )}
              </TableCell>
            )}
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
  /** The values given for needs-input changes outside env, such as an exposed port's host. */
  valueInputs: ValueInputs;
  onValueChange: (path: string, value: string) => void;
  /** Takes a field the rules leave out from the source after all, by planning again. */
  onTake?: (path: string) => void;
  /** The fields taken so far, and how to leave one out again. */
  taken?: string[];
  onLeaveOut?: (path: string) => void;
}) {
  const { plan, inputs, checks, valueInputs } = props;
  const { problems, resolved } = checks;
  const unresolvedCount = plan.blockers.filter(
    b => !isResolvedBy(b, resolved, valueInputs.resolved),
  ).length;
  // What the value given for a blocker's key is doing: resolving it, being checked, or wrong.
  const blockerState = (blocker: PlanIssue) => {
    const key = envKeyOf(blocker.path);
    if (isResolvedBy(blocker, resolved, valueInputs.resolved)) {
      return ' — resolved by your input';
    }
    if (blocker.code === 'field-needs-input' && blocker.path) {
      const given = valueInputs.values[blocker.path];
      const wrong = valueInputs.problems[blocker.path] ?? [];
      return given !== undefined && wrong.length
        ? ` — your value: ${wrong.join('; ')}`
        : '';
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
  const byGroup = (group: PlanGroup) =>
    plan.changes.filter(c => groupOf(c) === group);
  const source = `${plan.source.workspace} v${plan.source.version}`;
  const target = plan.target.version
    ? `${plan.target.workspace} v${plan.target.version}`
    : `${plan.target.workspace} (empty)`;

  return (
    <Box display="flex" flexDirection="column" style={{ gap: 12 }}>
      <Typography variant="h6" component="h3">
        Plan: {source} → {target}
      </Typography>
      {changesNothing(plan) && (
        <Alert severity="info" role="status">
          <AlertTitle>Nothing would change</AlertTitle>
          {target} already runs what this promotion would give it: every field
          is kept in {plan.target.workspace} or already the same as in {source}.
        </Alert>
      )}
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
      {PLAN_GROUPS.map(({ group, title, description }) => {
        const changes = byGroup(group);
        if (changes.length === 0) {
          return null;
        }
        const id = `shipyard-plan-${group}`;
        return (
          <Accordion
            key={group}
            defaultExpanded={group !== 'unchanged'}
            data-testid={id}
            variant="outlined"
          >
            <AccordionSummary
              expandIcon={<ExpandMore />}
              aria-controls={`${id}-content`}
              id={`${id}-header`}
            >
              <Typography variant="subtitle1" component="h4">
                {title} ({changes.length})
              </Typography>
              <Typography
                variant="body2"
                color="textSecondary"
                style={{ marginLeft: 12, alignSelf: 'center' }}
              >
                {description}
              </Typography>
            </AccordionSummary>
            <AccordionDetails id={`${id}-content`} style={{ display: 'block' }}>
              {group === 'needs-input' ? (
                changes.map(change => {
                  const key = envKeyOf(change.path);
                  if (key === undefined) {
                    return (
                      <ValueInputField
                        key={change.path}
                        change={change}
                        sourceWorkspace={plan.source.workspace}
                        targetWorkspace={plan.target.workspace}
                        value={valueInputs.values[change.path] ?? ''}
                        problems={valueInputs.problems[change.path] ?? []}
                        showProblems={
                          props.showProblems ||
                          valueInputs.values[change.path] !== undefined
                        }
                        onChange={value =>
                          props.onValueChange(change.path, value)
                        }
                      />
                    );
                  }
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
                  caption={`${title}: ${description}`}
                  onTake={group === 'not-taken' ? props.onTake : undefined}
                  taken={props.taken}
                  onLeaveOut={props.onLeaveOut}
                />
              )}
            </AccordionDetails>
          </Accordion>
        );
      })}
    </Box>
  );
}
