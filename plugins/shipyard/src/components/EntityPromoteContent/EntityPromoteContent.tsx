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
  readShipyardAnnotations,
  SHIPYARD_PROMOTION_ANNOTATION,
  type EnvValue,
  type PromotableField,
  type PromotionPlan,
  type ServiceWorkspaceState,
  type Version,
} from '@shipyard/backstage-plugin-common';
import { FormEvent, useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { shipyardApiRef } from '../../api';
import { isStalePlan, messageOf } from '../../api/errors';
import {
  useServiceStatusStore,
  useServiceWorkspaces,
} from '../../hooks/useServiceWorkspaces';
import { OperationNotice } from '../shared/OperationNotice';
import { DriftBanner, LeaseNotice } from '../shared/WorkspaceNotices';
import { EnvInput, toEnvValue } from './envInputs';
import { PromotionChecklist } from './PromotionChecklist';
import { PromotionPipeline } from './PromotionPipeline';
import {
  changesNothing,
  envKeyOf,
  isResolvedBy,
  PromotionPlanView,
} from './PromotionPlanView';
import { PromotionReview } from './PromotionReview';
import { useInputChecks } from './useInputChecks';

/** The first step of the path whose source has something to promote. */
export function defaultStep(
  path: string[],
  states: ServiceWorkspaceState[],
): [string, string] {
  for (let i = 0; i + 1 < path.length; i++) {
    if (states.find(s => s.workspace.name === path[i])?.currentVersion) {
      return [path[i], path[i + 1]];
    }
  }
  return [path[0], path[1]];
}

function PromotionWorkbench(props: {
  entityRef: string;
  path: string[];
  states: ServiceWorkspaceState[];
  reload: () => void;
}) {
  const { entityRef, path, states } = props;
  const api = useApi(shipyardApiRef);
  const store = useServiceStatusStore(entityRef);
  // `?source=dev&version=5` (from a version's page) promotes that version rather than dev's current one.
  const [searchParams] = useSearchParams();
  const [[source, target], setStep] = useState<[string, string]>(() => {
    const requested = searchParams.get('source');
    if (
      requested &&
      path.indexOf(requested) >= 0 &&
      path.indexOf(requested) < path.length - 1
    ) {
      return [requested, path[path.indexOf(requested) + 1]];
    }
    return defaultStep(path, states);
  });
  const [pinned, setPinned] = useState<{ source: string; version: number }>(
    () => {
      const version = Number(searchParams.get('version'));
      const requested = searchParams.get('source') ?? '';
      return Number.isSafeInteger(version) &&
        version > 0 &&
        path.includes(requested)
        ? { source: requested, version }
        : { source: '', version: 0 };
    },
  );
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
        .map(change => envKeyOf(change.path) ?? change.path),
    [plan],
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
  const unresolved = (plan?.blockers ?? []).filter(
    blocker => !isResolvedBy(blocker, resolvedKeys),
  );
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
    const next = path[path.indexOf(name) + 1] ?? path.find(w => w !== name)!;
    setStep([
      name,
      target !== name && path.indexOf(target) > path.indexOf(name)
        ? target
        : next,
    ]);
    setResult(undefined);
  };

  let promoteLabel = `Promote to ${target}`;
  if (submitting) {
    promoteLabel = 'Promoting…';
  } else if (nothingChanges) {
    promoteLabel = `Promote anyway: record ${target} v${
      (plan?.target.version ?? 0) + 1
    } with the same spec`;
  }

  const onPromote = async (event: FormEvent) => {
    event.preventDefault();
    setAttempted(true);
    if (!plan || unresolved.length > 0 || !confirmed) {
      return;
    }
    setSubmitting(true);
    setFailure(undefined);
    try {
      const env: Record<string, EnvValue> = {};
      for (const key of needsInputKeys) {
        env[key] = toEnvValue(inputs[key])!;
      }
      const version = await store.track(() =>
        api.promote(entityRef, {
          source: plan.source.workspace,
          target: plan.target.workspace,
          planHash: plan.planHash,
          ...(sourceVersion ? { sourceVersion } : {}),
          ...(take.length ? { take } : {}),
          inputs: needsInputKeys.length ? { env } : undefined,
          reason: reason.trim() || undefined,
        }),
      );
      setResult({ version, plan });
      setInputs({});
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
    replan();
  };

  return (
    <Box display="flex" flexDirection="column" style={{ gap: 16 }}>
      <PromotionPipeline
        path={path}
        states={states}
        source={source}
        target={target}
      />
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
            {path.map(name => (
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
            {path
              .filter(name => name !== source)
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
      {!result && !sourceHasVersion && (
        <EmptyState
          missing="data"
          title={`Nothing to promote from ${source}`}
          description={`${source} has no current version. Deploy to it first, or choose another source.`}
        />
      )}
      {!result && sourceHasVersion && (
        <Paper variant="outlined" style={{ padding: 16 }}>
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
              />
              <PromotionReview
                plan={plan}
                inputs={inputs}
                resolved={resolvedKeys}
                protectedTarget={protectedTarget}
                checked={currentReview.checked}
                onToggle={toggleChecked}
                confirmation={currentReview.confirmation}
                onConfirmationChange={confirmation =>
                  setReview({ ...currentReview, confirmation })
                }
              />
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
                    !confirmed
                  }
                >
                  {promoteLabel}
                </Button>
                {unresolved.length === 0 && !confirmed && (
                  <Typography variant="body2" color="textSecondary">
                    Type {plan.target.workspace} above to confirm.
                  </Typography>
                )}
                {unresolved.length > 0 && (
                  <Typography variant="body2" color="textSecondary">
                    {unresolved.length === 1
                      ? '1 blocker remains'
                      : `${unresolved.length} blockers remain`}
                    {unresolved.every(b => b.code === 'env-needs-input')
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
 * The Promote tab: the service's promotion path with each workspace's current
 * version, drift and lease; the plan of a promotion, inputs for new env vars,
 * and the checklist once it ran.
 * @public
 */
export function EntityPromoteContent() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const annotations = useMemo(() => {
    try {
      return { value: readShipyardAnnotations(entity) };
    } catch (error) {
      return { error: error as Error };
    }
  }, [entity]);
  const { states, error, reload } = useServiceWorkspaces(entityRef);

  if (annotations.error) {
    return (
      <WarningPanel
        severity="error"
        title="Invalid Shipyard annotations"
        message={annotations.error.message}
      />
    );
  }
  if (error && !states) {
    return (
      <ResponseErrorPanel
        error={error}
        title="Could not load this service's workspaces"
      />
    );
  }
  if (!states) {
    return <Progress />;
  }
  const path =
    annotations.value?.promotionPath ??
    annotations.value?.workspaces ??
    [...states]
      .sort((a, b) => a.workspace.tier - b.workspace.tier)
      .map(s => s.workspace.name);
  if (path.length < 2) {
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
      path={path}
      states={states}
      reload={reload}
    />
  );
}
