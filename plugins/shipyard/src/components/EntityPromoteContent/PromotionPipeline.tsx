import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Link from '@material-ui/core/Link';
import Paper from '@material-ui/core/Paper';
import Typography from '@material-ui/core/Typography';
import ArrowForward from '@material-ui/icons/ArrowForward';
import type {
  PromotionRequest,
  ServiceWorkspaceState,
} from '@shipyard/backstage-plugin-common';
import { Fragment } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { authorName } from '../shared/authorName';
import { leaseShortText } from '../shared/leaseWords';
import { RelativeTime } from '../shared/RelativeTime';
import { useSignedInUser } from '../shared/WorkspaceNotices';
import { driftLabel, WorkspaceHealth } from '../shared/WorkspaceHealth';
import { freezeText } from '../shared/freezeText';
import { pendingInto, StepState } from './promotionSteps';

const AUTO_RESULTS: Record<string, string> = {
  running: 'running',
  promoted: 'promoted',
  skipped: 'did not run',
  failed: 'failed',
};

function AutoPromotionLine(props: { state: ServiceWorkspaceState }) {
  const attempt = props.state.autoPromotion;
  if (!attempt) {
    return null;
  }
  return (
    <Typography variant="body2" component="p" data-testid="auto-promotion">
      Auto-promotion from {attempt.source.workspace} v{attempt.source.version}:{' '}
      {AUTO_RESULTS[attempt.result] ?? attempt.result}
      {attempt.version
        ? ` (v${attempt.version}${
            attempt.outcome ? `, ${attempt.outcome}` : ''
          })`
        : ''}
      {attempt.reason ? ` — ${attempt.reason}` : ''}{' '}
      <RelativeTime iso={attempt.at} />
    </Typography>
  );
}

/** `Promote v7 to prod`, or `Request promotion of v7 to prod` where prod needs approvals. */
export function stepLabel(step: StepState, version?: number): string {
  const what = version ? `v${version}` : step.from;
  return step.approvals
    ? `Request promotion of ${what} to ${step.to}`
    : `Promote ${what} to ${step.to}`;
}

/**
 * One stage of the pipeline: a workspace with its current version, status,
 * drift, lease, hold, freeze, last auto-promotion and the requests waiting
 * to promote into it, and a button per step out of it.
 */
function Stage(props: {
  name: string;
  state?: ServiceWorkspaceState;
  role?: 'source' | 'target';
  steps: StepState[];
  requests: PromotionRequest[];
  mayLiftHold: boolean;
  onPromote: (step: StepState) => void;
  onLiftHold: (workspace: string) => void;
  approvalsLink?: string;
}) {
  const { name, state, role, steps, requests } = props;
  const me = useSignedInUser();
  const pending = pendingInto(requests, name);
  return (
    <Paper
      variant="outlined"
      style={{ padding: 12, height: '100%', borderWidth: role ? 2 : 1 }}
      aria-label={`Workspace ${name}${role ? `, promotion ${role}` : ''}`}
    >
      <Box display="flex" justifyContent="space-between" alignItems="baseline">
        <Typography variant="h6" component="h3">
          {name}
        </Typography>
        {role && (
          <Typography variant="overline" component="span">
            {role}
          </Typography>
        )}
      </Box>
      {!state ? (
        <Typography variant="body2" color="error">
          Not a configured workspace
        </Typography>
      ) : (
        <Box display="flex" flexDirection="column" style={{ gap: 4 }}>
          <Typography variant="caption" color="textSecondary" component="p">
            {state.workspace.environment}
            {state.workspace.protected ? ' · protected' : ''}
            {state.workspace.approval?.required
              ? ` · ${state.workspace.approval.required} approval${
                  state.workspace.approval.required === 1 ? '' : 's'
                } needed`
              : ''}
            {state.workspace.cluster && !state.workspace.notApplied
              ? ` · ${state.workspace.cluster}`
              : ' · recorded only (no cluster)'}
          </Typography>
          <WorkspaceHealth state={state} compact />
          {state.currentVersion?.rejection && (
            <Typography variant="body2" color="error" component="p">
              v{state.currentVersion.number} is rejected
            </Typography>
          )}
          <Typography variant="body2" component="p">
            Drift: {driftLabel(state)}
          </Typography>
          {state.lease && (
            <Typography variant="body2" component="p">
              {leaseShortText(state.lease, me)}
            </Typography>
          )}
          {state.freeze && (
            <Typography
              variant="body2"
              component="p"
              style={{ fontWeight: 500 }}
              data-testid="freeze"
            >
              Frozen: {freezeText(name, state.freeze)}
            </Typography>
          )}
          {state.hold && (
            <Box data-testid="hold">
              <Typography variant="body2" component="p">
                Auto-promotion held by {authorName(state.hold.by)}
                {state.hold.version ? ` (rollback v${state.hold.version})` : ''}
                : {state.hold.reason}
              </Typography>
              {props.mayLiftHold && (
                <Button
                  size="small"
                  onClick={() => props.onLiftHold(name)}
                  aria-label={`Lift the hold on ${name}`}
                >
                  Lift hold
                </Button>
              )}
            </Box>
          )}
          <AutoPromotionLine state={state} />
          {pending.length > 0 && (
            <Typography variant="body2" component="p" data-testid="pending">
              {pending.length === 1
                ? `1 promotion request waits for approval`
                : `${pending.length} promotion requests wait for approval`}{' '}
              (
              {pending
                .map(
                  r =>
                    `${r.source} v${r.sourceVersion} by ${authorName(
                      r.requestedBy,
                    )}`,
                )
                .join(', ')}
              )
              {props.approvalsLink && (
                <>
                  {' '}
                  <Link component={RouterLink} to={props.approvalsLink}>
                    Review
                  </Link>
                </>
              )}
            </Typography>
          )}
          {steps.map(step => {
            const reasonId = `shipyard-step-${step.from}-${step.to}-reason`;
            return (
              <Box key={step.to} mt={1}>
                <Button
                  size="small"
                  variant="outlined"
                  color="primary"
                  disabled={!!step.blocked}
                  aria-describedby={step.blocked ? reasonId : undefined}
                  onClick={() => props.onPromote(step)}
                >
                  {stepLabel(step, state.currentVersion?.number)}
                </Button>
                {step.auto && (
                  <Typography variant="caption" component="span">
                    {' '}
                    · automatic
                  </Typography>
                )}
                {step.blocked && (
                  <Typography
                    id={reasonId}
                    variant="caption"
                    color="textSecondary"
                    component="p"
                  >
                    {step.blocked}
                  </Typography>
                )}
                {step.overridableFreeze && (
                  <Typography
                    variant="caption"
                    color="textSecondary"
                    component="p"
                  >
                    {freezeText(step.to, step.overridableFreeze)}; you may go
                    ahead with a reason
                  </Typography>
                )}
              </Box>
            );
          })}
        </Box>
      )}
    </Paper>
  );
}

/**
 * The service's promotion path as the catalog names it, one row per chain
 * (`dev -> staging -> prod; hotfix -> prod`): each stage with its state and
 * a "Promote to …" button per step, shown disabled with the reason when the
 * user may not, the target is frozen or the source is not good.
 */
export function PromotionPipeline(props: {
  chains: string[][];
  states: ServiceWorkspaceState[];
  steps: StepState[];
  requests: PromotionRequest[];
  source?: string;
  target?: string;
  mayLiftHold: boolean;
  approvalsLink?: string;
  onPromote: (step: StepState) => void;
  onLiftHold: (workspace: string) => void;
}) {
  const { chains, states, steps, source, target } = props;
  return (
    <Box display="flex" flexDirection="column" style={{ gap: 8 }}>
      {chains.map(chain => (
        <Box
          key={chain.join('>')}
          component="ol"
          aria-label={
            chains.length > 1
              ? `Promotion path ${chain.join(' → ')}`
              : 'Promotion path'
          }
          display="flex"
          alignItems="stretch"
          flexWrap="wrap"
          p={0}
          m={0}
          style={{ listStyle: 'none', gap: 8 }}
        >
          {chain.map((name, index) => {
            let role: 'source' | 'target' | undefined;
            if (name === source) {
              role = 'source';
            } else if (name === target) {
              role = 'target';
            }
            const next = chain[index + 1];
            return (
              <Fragment key={name}>
                {index > 0 && (
                  <Box
                    component="li"
                    aria-hidden
                    display="flex"
                    alignItems="center"
                  >
                    <ArrowForward color="action" />
                  </Box>
                )}
                <Box
                  component="li"
                  minWidth={220}
                  flex="1 1 220px"
                  maxWidth={360}
                >
                  <Stage
                    name={name}
                    state={states.find(s => s.workspace.name === name)}
                    role={role}
                    steps={steps.filter(s => s.from === name && s.to === next)}
                    requests={props.requests}
                    mayLiftHold={props.mayLiftHold}
                    onPromote={props.onPromote}
                    onLiftHold={props.onLiftHold}
                    approvalsLink={props.approvalsLink}
                  />
                </Box>
              </Fragment>
            );
          })}
        </Box>
      ))}
    </Box>
  );
}
