import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
  WarningPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import MenuItem from '@material-ui/core/MenuItem';
import Paper from '@material-ui/core/Paper';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import {
  readPromotionPath,
  SHIPYARD_PROMOTION_ANNOTATION,
  type EnvValue,
  type PromotableField,
  type PromotionPlan,
  type PromotionRequest,
  type PromotionStep,
  type ServiceWorkspaceState,
  type Version,
} from '@shipyard/backstage-plugin-common';
import {
  FormEvent,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { Link as RouterLink, useSearchParams } from 'react-router-dom';
import { shipyardApiRef } from '../../api';
import { isStalePlan, messageOf } from '../../api/errors';
import {
  useServiceStatusStore,
  useServiceWorkspaces,
} from '../../hooks/useServiceWorkspaces';
import { OperationNotice } from '../shared/OperationNotice';
import {
  DriftBanner,
  LeaseNotice,
  useSignedInUser,
} from '../shared/WorkspaceNotices';
import { EnvInput, toEnvValue } from './envInputs';
import { PromotionChecklist } from './PromotionChecklist';
import { PromotionPipeline } from './PromotionPipeline';
import {
  changesNothing,
  envKeyOf,
  isResolvedBy,
  PromotionPlanView,
  type ValueInputs,
} from './PromotionPlanView';
import { valueInputPaths, valueInputProblems } from './valueInputs';
import { PromotionReview } from './PromotionReview';
import { useInputChecks } from './useInputChecks';
import { useShipyardPermissions } from '../../hooks/useShipyardPermissions';
import { APPROVALS_PATH } from '../../routes';
import { authorName } from '../shared/authorName';
import { FreezeReasonField } from '../shared/FreezeReasonField';
import { freezeText } from '../shared/freezeText';
import { orderedSteps, stepState } from './promotionSteps';

/** The first step of the path whose source has something to promote. */
export function defaultStep(
  steps: PromotionStep[],
  states: ServiceWorkspaceState[],
): [string, string] {
  const ready = steps.find(
    step => states.find(s => s.workspace.name === step.from)?.currentVersion,
  );
  const step = ready ?? steps[0];
  return [step.from, step.to];
}

function PromotionWorkbench(props: {
  entityRef: string;
  chains: string[][];
  steps: PromotionStep[];
  states: ServiceWorkspaceState[];
  reload: () => void;
}) {
  const { entityRef, chains, steps, states } = props;
  const api = useApi(shipyardApiRef);
  const store = useServiceStatusStore(entityRef);
  const may = useShipyardPermissions(entityRef);
  const stepsFrom = (name: string) => steps.filter(s => s.from === name);
  const sources = [...new Set(steps.map(s => s.from))];
  // `?source=dev&version=5` (from a version's page or a history row) promotes that version rather than dev's current one.
  const [searchParams] = useSearchParams();
  const [[source, target], setStep] = useState<[string, string]>(() => {
    const requested = searchParams.get('source');
    const first = requested ? stepsFrom(requested)[0] : undefined;
    return first ? [first.from, first.to] : defaultStep(steps, states);
  });
  const [pinned, setPinned] = useState<{ source: string; version: number }>(
    () => {
      const version = Number(searchParams.get('version'));
      const requested = searchParams.get('source') ?? '';
      return Number.isSafeInteger(version) &&
        version > 0 &&
        sources.includes(requested)
        ? { source: requested, version }
        : { source: '', version: 0 };
    },
  );
  const requests = useAsyncRetry(
    () =>
      api.listPromotionRequests({
        entityRef,
        status: ['pending', 'approved'],
      }),
    [api, entityRef],
  );
  const pendingRequests = (requests.value ?? []).filter(
    r => r.status === 'pending',
  );
  const me = useSignedInUser();
  // With `approval.execute: by-requester`, an approved request waits for its requester to run it.
  const mineToRun = (requests.value ?? []).filter(
    r => r.status === 'approved' && !!me && r.requestedBy === me,
  );
  const [running, setRunning] = useState<string>();
  const [runFailure, setRunFailure] = useState<string>();
  const runApproved = async (request: PromotionRequest) => {
    setRunning(request.id);
    setRunFailure(undefined);
    try {
      const done = await api.executePromotionRequest(request.id);
      requests.retry();
      props.reload();
      if (done.status !== 'executed') {
        setRunFailure(
          `The request is ${done.status}${
            done.outcome?.reason ? `: ${done.outcome.reason}` : ''
          }.`,
        );
      }
    } catch (e) {
      setRunFailure(messageOf(e));
    } finally {
      setRunning(undefined);
    }
  };
  const [requested, setRequested] = useState<PromotionRequest>();
  const [freezeReason, setFreezeReason] = useState('');
  const [holdFailure, setHoldFailure] = useState<string>();
  const planRef = useRef<HTMLDivElement>(null);
  const sourceVersion =
    pinned.source === source && pinned.version > 0 ? pinned.version : undefined;
  const [planState, setPlanState] = useState<{
    plan?: PromotionPlan;
    error?: Error;
    loading: boolean;
  }>({
    loading: false,
  });
  const [planRequest, setPlanRequest] = useState(0);
  const [inputs, setInputs] = useState<Record<string, EnvInput>>({});
  const [values, setValues] = useState<Record<string, string>>({});
  const [reason, setReason] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [attempted, setAttempted] = useState(false);
  const [stale, setStale] = useState(false);
  const [failure, setFailure] = useState<string>();
  const [result, setResult] = useState<{
    version: Version;
    plan: PromotionPlan;
  }>();
  // The review of one plan: its checklist ticks (kept after the promotion) and the typed confirmation.
  const [review, setReview] = useState<{
    planHash?: string;
    checked: Set<number>;
    confirmation: string;
  }>({ checked: new Set(), confirmation: '' });

  const stateOf = (name: string) => states.find(s => s.workspace.name === name);
  const sourceState = stateOf(source);
  const targetState = stateOf(target);
  const sourceHasVersion = !!sourceState?.currentVersion;

  const replan = useCallback(() => setPlanRequest(n => n + 1), []);
  // Fields the reviewer chose to take from the source although the rules leave them out, for this step.
  const step = `${source}>${target}`;
  const [taking, setTaking] = useState<{
    step: string;
    fields: PromotableField[];
  }>({ step, fields: [] });
  const take = useMemo(
    () => (taking.step === step ? taking.fields : []),
    [taking, step],
  );
  const setTake = (fields: PromotableField[]) => setTaking({ step, fields });

  useEffect(() => {
    if (!sourceHasVersion || source === target) {
      setPlanState({ loading: false });
      return undefined;
    }
    let cancelled = false;
    // Re-planning the same step keeps the old plan on screen until the new one arrives.
    setPlanState(previous => ({
      plan:
        previous.plan?.source.workspace === source &&
        previous.plan?.target.workspace === target
          ? previous.plan
          : undefined,
      loading: true,
    }));
    setStale(false);
    setFailure(undefined);
    api
      .planPromotion(entityRef, {
        source,
        target,
        ...(sourceVersion ? { sourceVersion } : {}),
        ...(take.length ? { take } : {}),
      })
      .then(
        plan => !cancelled && setPlanState({ plan, loading: false }),
        error => !cancelled && setPlanState({ error, loading: false }),
      );
    return () => {
      cancelled = true;
    };
  }, [
    api,
    entityRef,
    source,
    target,
    sourceHasVersion,
    planRequest,
    take,
    sourceVersion,
  ]);

  const plan =
    planState.plan?.source.workspace === source &&
    planState.plan?.target.workspace === target
      ? planState.plan
      : undefined;
  const needsInputKeys = useMemo(
    () =>
      (plan?.changes ?? [])
        .filter(change => change.action === 'needs-input')
        .map(change => envKeyOf(change.path))
        .filter((key): key is string => key !== undefined),
    [plan],
  );
  const valueInputs = useMemo<ValueInputs>(() => {
    const problems: Record<string, string[]> = {};
    const resolved = new Set<string>();
    for (const path of valueInputPaths(plan)) {
      problems[path] = valueInputProblems(path, values, plan!);
      if (problems[path].length === 0) {
        resolved.add(path);
      }
    }
    return { values, problems, resolved };
  }, [plan, values]);
  // Only the valid values of the shown plan's paths: a path another plan asked for is refused as unexpected.
  const givenValues = Object.fromEntries(
    [...valueInputs.resolved].map(path => [path, values[path]]),
  );
  const checks = useInputChecks(entityRef, plan, needsInputKeys, inputs, {
    take,
    sourceVersion,
  });
  const currentReview =
    plan && review.planHash === plan.planHash
      ? review
      : {
          planHash: plan?.planHash,
          checked: new Set<number>(),
          confirmation: '',
        };
  const toggleChecked = (index: number) =>
    setReview(() => {
      const checked = new Set(currentReview.checked);
      if (!checked.delete(index)) {
        checked.add(index);
      }
      return { ...currentReview, checked };
    });
  const protectedTarget = !!targetState?.workspace.protected;
  const confirmed =
    !protectedTarget ||
    (!!plan && currentReview.confirmation.trim() === plan.target.workspace);
  const nothingChanges = !!plan && changesNothing(plan);
  const resolvedKeys = checks.resolved;
  const checkedStale =
    !!plan &&
    !!checks.checkedPlanHash &&
    checks.checkedPlanHash !== plan.planHash;
  const targetFreeze = targetState?.freeze;
  const overridingFreeze =
    !!targetFreeze && may.freezeOverride && freezeReason.trim() !== '';
  const unresolved = (plan?.blockers ?? []).filter(
    blocker =>
      !isResolvedBy(blocker, resolvedKeys, valueInputs.resolved) &&
      !(blocker.code === 'freeze' && overridingFreeze),
  );
  const unresolvedElse = unresolved.filter(
    blocker => !(blocker.code === 'freeze' && targetFreeze),
  );
  const approvals = targetState?.workspace.approval?.required ?? 0;
  let notAllowed: string | undefined;
  if (!may.loading && !may.promote) {
    notAllowed = 'You may not promote this service.';
  } else if (
    !may.loading &&
    targetState?.workspace.protected &&
    !may.protectedWorkspace
  ) {
    notAllowed = `${target} is protected: you may not promote into it.`;
  } else if (targetFreeze && !may.freezeOverride) {
    notAllowed = `${freezeText(target, targetFreeze)}.`;
  } else if (targetFreeze && !overridingFreeze) {
    notAllowed = `${freezeText(
      target,
      targetFreeze,
    )}: give a reason above to go ahead.`;
  }
  // The pipeline refreshes while rollouts run: a plan older than what it shows is out of date,
  // and a plan newer than it means the pipeline needs a refresh.
  const sourceCurrent = sourceState?.currentVersion?.number ?? 0;
  const targetCurrent = targetState?.currentVersion?.number ?? 0;
  // A pinned source version stays what it is whatever the source runs now.
  const outdated =
    !!plan &&
    ((!sourceVersion && sourceCurrent > plan.source.version) ||
      targetCurrent > (plan.target.version ?? 0));
  const pipelineBehind =
    !!plan &&
    ((!sourceVersion && sourceCurrent < plan.source.version) ||
      targetCurrent < (plan.target.version ?? 0));
  const { reload } = props;
  useEffect(() => {
    if (pipelineBehind) {
      reload();
    }
  }, [pipelineBehind, reload]);

  const chooseSource = (name: string) => {
    const next = stepsFrom(name);
    setStep([
      name,
      next.some(s => s.to === target) ? target : next[0]?.to ?? target,
    ]);
    setResult(undefined);
    setRequested(undefined);
  };

  const promoteFromPipeline = (chosen: PromotionStep) => {
    setStep([chosen.from, chosen.to]);
    setResult(undefined);
    setRequested(undefined);
    // Scrolling is not implemented by jsdom.
    planRef.current?.scrollIntoView?.({ behavior: 'smooth', block: 'start' });
  };

  const liftHold = async (workspace: string) => {
    setHoldFailure(undefined);
    try {
      await api.liftHold(entityRef, workspace);
      props.reload();
    } catch (e) {
      setHoldFailure(messageOf(e));
    }
  };

  let promoteLabel = approvals
    ? `Request promotion to ${target}`
    : `Promote to ${target}`;
  if (submitting) {
    promoteLabel = approvals ? 'Requesting…' : 'Promoting…';
  } else if (nothingChanges) {
    promoteLabel = `Promote anyway: record ${target} v${
      (plan?.target.version ?? 0) + 1
    } with the same spec`;
  }

  const onPromote = async (event: FormEvent) => {
    event.preventDefault();
    setAttempted(true);
    if (!plan || unresolved.length > 0 || !confirmed || notAllowed) {
      return;
    }
    setSubmitting(true);
    setFailure(undefined);
    try {
      const env: Record<string, EnvValue> = {};
      for (const key of needsInputKeys) {
        env[key] = toEnvValue(inputs[key])!;
      }
      const body = {
        source: plan.source.workspace,
        target: plan.target.workspace,
        planHash: plan.planHash,
        ...(sourceVersion ? { sourceVersion } : {}),
        ...(take.length ? { take } : {}),
        inputs:
          needsInputKeys.length || valueInputs.resolved.size
            ? {
                ...(needsInputKeys.length ? { env } : {}),
                // DESIGN §11: other needs-input changes are answered by their path, env keys stay in env.
                ...(valueInputs.resolved.size ? { values: givenValues } : {}),
              }
            : undefined,
        reason: reason.trim() || undefined,
        // DESIGN §11: going ahead during a freeze needs shipyard.freeze.override and a reason.
        ...(overridingFreeze
          ? { freezeOverride: { reason: freezeReason.trim() } }
          : {}),
      };
      if (approvals) {
        setRequested(await api.requestPromotion(entityRef, body));
        requests.retry();
        setInputs({});
        setValues({});
        setReason('');
        setFreezeReason('');
        setAttempted(false);
        return;
      }
      const version = await store.track(() => api.promote(entityRef, body));
      setResult({ version, plan });
      setFreezeReason('');
      setInputs({});
      setValues({});
      setReason('');
      setAttempted(false);
    } catch (e) {
      if (isStalePlan(e)) {
        setStale(true);
      } else {
        setFailure(messageOf(e));
      }
    } finally {
      setSubmitting(false);
    }
  };

  const anotherPromotion = () => {
    setResult(undefined);
    setRequested(undefined);
    replan();
  };

  return (
    <Box display="flex" flexDirection="column" style={{ gap: 16 }}>
      <PromotionPipeline
        chains={chains}
        states={states}
        steps={steps.map(each => stepState(each, states, may))}
        requests={pendingRequests}
        source={source}
        target={target}
        mayLiftHold={!may.loading && may.promote}
        approvalsLink={APPROVALS_PATH}
        onPromote={promoteFromPipeline}
        onLiftHold={liftHold}
      />
      {mineToRun.map(request => (
        <Alert
          key={request.id}
          severity="success"
          data-testid="approved-request"
          action={
            <Button
              color="inherit"
              size="small"
              disabled={running === request.id}
              onClick={() => runApproved(request)}
            >
              {running === request.id ? 'Promoting…' : 'Promote now'}
            </Button>
          }
        >
          Your request to promote {request.source} v{request.sourceVersion} to{' '}
          {request.target} was approved by{' '}
          {request.approvals.map(a => authorName(a.by)).join(', ')}.
        </Alert>
      ))}
      {runFailure && (
        <Alert severity="error" role="alert">
          Could not run the approved promotion: {runFailure}
        </Alert>
      )}
      {holdFailure && (
        <Alert severity="error" role="alert">
          Could not lift the hold: {holdFailure}
        </Alert>
      )}
      <Paper variant="outlined" style={{ padding: 16 }}>
        <Box
          display="flex"
          flexWrap="wrap"
          alignItems="center"
          style={{ gap: 16 }}
        >
          <TextField
            select
            id="shipyard-promote-source"
            label="From workspace"
            value={source}
            onChange={e => chooseSource(e.target.value)}
            variant="outlined"
            size="small"
            style={{ minWidth: 180 }}
          >
            {sources.map(name => (
              <MenuItem key={name} value={name}>
                {name}
                {stateOf(name)?.currentVersion
                  ? ` (v${stateOf(name)!.currentVersion!.number})`
                  : ' (no version)'}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            select
            id="shipyard-promote-target"
            label="To workspace"
            value={target}
            onChange={e => {
              setStep([source, e.target.value]);
              setResult(undefined);
            }}
            variant="outlined"
            size="small"
            style={{ minWidth: 180 }}
          >
            {stepsFrom(source)
              .map(each => each.to)
              .map(name => (
                <MenuItem key={name} value={name}>
                  {name}
                  {stateOf(name)?.currentVersion
                    ? ` (v${stateOf(name)!.currentVersion!.number})`
                    : ' (empty)'}
                </MenuItem>
              ))}
          </TextField>
          <Button
            variant="outlined"
            onClick={replan}
            disabled={!sourceHasVersion || planState.loading}
          >
            Re-plan
          </Button>
        </Box>
      </Paper>
      {targetState && <DriftBanner state={targetState} />}
      {targetState && <LeaseNotice entityRef={entityRef} state={targetState} />}

      {requested && (
        <Paper variant="outlined" style={{ padding: 16 }}>
          <Alert
            severity="info"
            role="status"
            data-testid="request-notice"
            action={
              <Button
                color="inherit"
                size="small"
                component={RouterLink}
                to={APPROVALS_PATH}
              >
                Approvals
              </Button>
            }
          >
            Requested the promotion of {requested.source} v
            {requested.sourceVersion} to {requested.target}: it waits for{' '}
            {requested.required === 1
              ? '1 approval'
              : `${requested.required} approvals`}{' '}
            by someone other than you. It runs once approved.
          </Alert>
          <Box mt={2}>
            <Button variant="outlined" onClick={anotherPromotion}>
              Plan another promotion
            </Button>
          </Box>
        </Paper>
      )}
      {result && (
        <Paper variant="outlined" style={{ padding: 16 }}>
          <Box display="flex" flexDirection="column" style={{ gap: 16 }}>
            <OperationNotice entityRef={entityRef} version={result.version}>
              Promoted {result.plan.source.workspace} v
              {result.plan.source.version} to {result.version.workspace}:
              created {result.version.workspace} v{result.version.number}
            </OperationNotice>
            {result.plan.checklist.length > 0 ? (
              <PromotionChecklist
                items={result.plan.checklist}
                title={`After the promotion: check in ${result.version.workspace}`}
                done={
                  review.planHash === result.plan.planHash
                    ? review.checked
                    : new Set()
                }
                onToggle={index =>
                  setReview(previous => {
                    const checked = new Set(
                      previous.planHash === result.plan.planHash
                        ? previous.checked
                        : [],
                    );
                    if (!checked.delete(index)) {
                      checked.add(index);
                    }
                    return {
                      planHash: result.plan.planHash,
                      checked,
                      confirmation: '',
                    };
                  })
                }
              />
            ) : null}
            <Box>
              <Button variant="outlined" onClick={anotherPromotion}>
                Plan another promotion
              </Button>
            </Box>
          </Box>
        </Paper>
      )}
      {!result && !requested && !sourceHasVersion && (
        <EmptyState
          missing="data"
          title={`Nothing to promote from ${source}`}
          description={`${source} has no current version. Deploy to it first, or choose another source.`}
        />
      )}
      {!result && !requested && sourceHasVersion && (
        <Paper variant="outlined" style={{ padding: 16 }} ref={planRef}>
          {planState.loading && !plan && <Progress />}
          {planState.error && (
            <ResponseErrorPanel
              error={planState.error}
              title="Could not plan this promotion"
            />
          )}
          {plan && (
            <Box
              component="form"
              onSubmit={onPromote}
              aria-label="Promotion"
              display="flex"
              flexDirection="column"
              style={{ gap: 16 }}
            >
              {sourceVersion &&
                sourceVersion !== sourceState?.currentVersion?.number && (
                  <Alert
                    severity="info"
                    action={
                      <Button
                        color="inherit"
                        size="small"
                        onClick={() => setPinned({ source: '', version: 0 })}
                      >
                        Promote the current one
                      </Button>
                    }
                  >
                    Promoting {source} v{sourceVersion}, not {source}'s current
                    v{sourceState?.currentVersion?.number}.
                  </Alert>
                )}
              {(stale || outdated || checkedStale) && (
                <Alert
                  severity="warning"
                  role="alert"
                  action={
                    <Button color="inherit" size="small" onClick={replan}>
                      Re-plan
                    </Button>
                  }
                >
                  The plan is out of date — re-plan. {source} or {target}{' '}
                  changed since it was computed; nothing was promoted.
                </Alert>
              )}
              <PromotionPlanView
                plan={plan}
                inputs={inputs}
                checks={checks}
                showProblems={attempted}
                taken={take}
                onTake={field => setTake([...take, field as PromotableField])}
                onLeaveOut={field => setTake(take.filter(f => f !== field))}
                onInputChange={(key, value) =>
                  setInputs(previous => ({ ...previous, [key]: value }))
                }
                valueInputs={valueInputs}
                onValueChange={(path, value) =>
                  setValues(previous => ({ ...previous, [path]: value }))
                }
              />
              <PromotionReview
                plan={plan}
                inputs={inputs}
                resolved={resolvedKeys}
                values={givenValues}
                protectedTarget={protectedTarget}
                checked={currentReview.checked}
                onToggle={toggleChecked}
                confirmation={currentReview.confirmation}
                onConfirmationChange={confirmation =>
                  setReview({ ...currentReview, confirmation })
                }
              />
              {targetFreeze && may.freezeOverride && (
                <FreezeReasonField
                  id="shipyard-promote-freeze-reason"
                  operation="promote"
                  workspace={target}
                  freeze={targetFreeze}
                  value={freezeReason}
                  onChange={setFreezeReason}
                />
              )}
              {approvals > 0 && (
                <Alert severity="info">
                  {target} needs{' '}
                  {approvals === 1 ? '1 approval' : `${approvals} approvals`} by
                  someone other than you: this makes a request that runs once
                  approved.
                  {pendingRequests
                    .filter(r => r.target === target && r.source === source)
                    .map(r => (
                      <Typography key={r.id} variant="body2" component="p">
                        Already waiting: {r.source} v{r.sourceVersion},
                        requested by {authorName(r.requestedBy)}
                      </Typography>
                    ))}
                </Alert>
              )}
              <TextField
                id="shipyard-promote-reason"
                label="Reason (optional)"
                helperText="Recorded with the new version and in the audit log."
                value={reason}
                onChange={e => setReason(e.target.value)}
                variant="outlined"
                size="small"
                fullWidth
              />
              {failure && (
                <Alert severity="error" role="alert">
                  {failure}
                </Alert>
              )}
              <Box display="flex" alignItems="center" style={{ gap: 16 }}>
                <Button
                  type="submit"
                  variant={nothingChanges ? 'text' : 'contained'}
                  color="primary"
                  disabled={
                    unresolved.length > 0 ||
                    submitting ||
                    stale ||
                    outdated ||
                    checkedStale ||
                    planState.loading ||
                    !confirmed ||
                    !!notAllowed
                  }
                  aria-describedby={
                    notAllowed ? 'shipyard-promote-not-allowed' : undefined
                  }
                >
                  {promoteLabel}
                </Button>
                {notAllowed && (
                  <Typography
                    id="shipyard-promote-not-allowed"
                    variant="body2"
                    color="textSecondary"
                  >
                    {notAllowed}
                  </Typography>
                )}
                {!notAllowed && unresolved.length === 0 && !confirmed && (
                  <Typography variant="body2" color="textSecondary">
                    Type {plan.target.workspace} above to confirm.
                  </Typography>
                )}
                {/* The freeze is said next to the button already. */}
                {unresolvedElse.length > 0 && (
                  <Typography variant="body2" color="textSecondary">
                    {unresolvedElse.length === 1
                      ? '1 blocker remains'
                      : `${unresolvedElse.length} blockers remain`}
                    {unresolvedElse.every(
                      b =>
                        b.code === 'env-needs-input' ||
                        b.code === 'field-needs-input',
                    )
                      ? ': give the values that need your input.'
                      : '.'}
                  </Typography>
                )}
              </Box>
            </Box>
          )}
        </Paper>
      )}
    </Box>
  );
}

/**
 * The Promote tab: the service's promotion path (the catalog's
 * `shipyard/promotion` chains, or the environments' tiers) with each stage's
 * current version, status, drift, lease, hold, freeze and waiting requests;
 * the plan of a promotion, inputs for new env vars, the review, and the
 * checklist once it ran, or a request where the target needs approvals.
 * @public
 */
export function EntityPromoteContent() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const { states, error, reload } = useServiceWorkspaces(entityRef);
  const path = useMemo(
    () =>
      states
        ? readPromotionPath(
            entity.metadata.annotations,
            states.map(s => s.workspace),
          )
        : undefined,
    [entity, states],
  );

  if (error && !states) {
    return (
      <ResponseErrorPanel
        error={error}
        title="Could not load this service's workspaces"
      />
    );
  }
  if (!states || !path) {
    return <Progress />;
  }
  if (path.errors?.length) {
    return (
      <WarningPanel
        severity="error"
        title="Invalid Shipyard annotations"
        message={path.errors
          .map(e => `${e.message} (${e.annotation}: ${e.text})`)
          .join('\n')}
      />
    );
  }
  const steps = orderedSteps(path);
  if (steps.length === 0) {
    return (
      <EmptyState
        missing="field"
        title="No promotion path"
        description={`Promotion needs at least two workspaces. Name the path in catalog-info.yaml, e.g. ${SHIPYARD_PROMOTION_ANNOTATION}: dev -> staging -> prod.`}
      />
    );
  }
  return (
    <PromotionWorkbench
      entityRef={entityRef}
      chains={path.chains}
      steps={steps}
      states={states}
      reload={reload}
    />
  );
}
