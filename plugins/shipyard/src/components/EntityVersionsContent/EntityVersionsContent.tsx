import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import CompareArrows from '@material-ui/icons/CompareArrows';
import Edit from '@material-ui/icons/Edit';
import { useApiHolder } from '@backstage/core-plugin-api';
import { kubernetesApiRef } from '@backstage/plugin-kubernetes-react';
import OpenInNew from '@material-ui/icons/OpenInNew';
import {
  readPromotionPath,
  readShipyardAnnotations,
  type ServiceWorkspaceState,
  type Version,
  type VersionAddress,
} from '@shipyard/backstage-plugin-common';
import { useState } from 'react';
import {
  Link as RouterLink,
  Route,
  Routes,
  useSearchParams,
} from 'react-router-dom';
import { useServiceWorkspaces } from '../../hooks/useServiceWorkspaces';
import { OperationNotice } from '../shared/OperationNotice';
import { DriftBanner, LeaseNotice } from '../shared/WorkspaceNotices';
import { CompareVersionsDialog } from './CompareVersionsDialog';
import { EditDeployDialog } from './EditDeployDialog';
import { RollbackDialog } from './RollbackDialog';
import { SpecViewerDialog } from './SpecViewerDialog';
import { VersionHistory } from './VersionHistory';
import { WorkspaceSwitcher } from './WorkspaceSwitcher';
import { VersionPage } from '../VersionPage/VersionPage';

type OpenDialog =
  | { kind: 'edit' }
  | { kind: 'spec'; version: number }
  | { kind: 'rollback'; target: Version }
  | { kind: 'compare'; from?: VersionAddress; to?: VersionAddress };

function serviceNameOf(
  entity: Parameters<typeof readShipyardAnnotations>[0],
): string {
  try {
    return readShipyardAnnotations(entity).serviceName;
  } catch {
    return entity.metadata.name;
  }
}

/** The workspaces `workspace` promotes to on the service's promotion path (DESIGN §11). */
function promotionTargetsOf(
  entity: Parameters<typeof readShipyardAnnotations>[0],
  states: ServiceWorkspaceState[],
) {
  const { steps } = readPromotionPath(
    entity.metadata.annotations,
    states.map(s => s.workspace),
  );
  return (workspace: string) =>
    steps.filter(step => step.from === workspace).map(step => step.to);
}

/**
 * The Versions tab: a service's history per workspace, with its status and
 * rollout, the spec of any version, diffs, rollback and edit-and-deploy; and
 * a page per version at `<workspace>/<number>` below it.
 * @public
 */
export function EntityVersionsContent() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const { states, error } = useServiceWorkspaces(entityRef);

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
  if (states.length === 0) {
    return (
      <EmptyState
        missing="info"
        title="No workspaces"
        description="This service has no Shipyard workspaces. Name them in its catalog-info.yaml, e.g. shipyard/workspaces: dev, staging, prod, and configure them under shipyard.workspaces in app-config.yaml."
      />
    );
  }

  return (
    <Routes>
      <Route
        path=":workspace/:version"
        element={
          <VersionPage
            entityRef={entityRef}
            serviceName={serviceNameOf(entity)}
            states={states}
            promotionTargets={promotionTargetsOf(entity, states)}
          />
        }
      />
      <Route
        path="*"
        element={
          <VersionsHistory
            entityRef={entityRef}
            serviceName={serviceNameOf(entity)}
            states={states}
            promotionTargets={promotionTargetsOf(entity, states)}
          />
        }
      />
    </Routes>
  );
}

/** A workspace's history with its actions, one tab per workspace. */
function VersionsHistory(props: {
  entityRef: string;
  serviceName: string;
  states: ServiceWorkspaceState[];
  promotionTargets: (workspace: string) => string[];
}) {
  const { entityRef, states } = props;
  const kubernetesApi = useApiHolder().get(kubernetesApiRef);
  const [searchParams, setSearchParams] = useSearchParams();
  const [selected, setSelected] = useState<number[]>([]);
  const [dialog, setDialog] = useState<OpenDialog>();
  const [notice, setNotice] = useState<{ text: string; version: Version }>();

  const state =
    states.find(s => s.workspace.name === searchParams.get('workspace')) ??
    states[0];
  const workspace = state.workspace.name;
  const current = state.currentVersion;

  const selectWorkspace = (name: string) => {
    setSelected([]);
    setSearchParams(
      params => {
        const next = new URLSearchParams(params);
        next.set('workspace', name);
        return next;
      },
      { replace: true },
    );
  };

  const toggleSelected = (version: Version) =>
    setSelected(previous =>
      previous.includes(version.number)
        ? previous.filter(n => n !== version.number)
        : [...previous, version.number].slice(-2),
    );

  // Two selected rows compare older to newer; otherwise start from the current version and its predecessor.
  const compareSelected = () => {
    const [older, newer] = [...selected].sort((a, b) => a - b);
    const base = current?.number ?? state.latestVersion?.number;
    const address = (n?: number) =>
      n && n >= 1 ? { workspace, version: n } : undefined;
    if (selected.length === 2) {
      setDialog({ kind: 'compare', from: address(older), to: address(newer) });
    } else if (selected.length === 1) {
      setDialog({ kind: 'compare', from: address(older), to: address(base) });
    } else {
      setDialog({
        kind: 'compare',
        from: address(base ? base - 1 : undefined),
        to: address(base),
      });
    }
  };

  const created =
    (text: (version: Version) => string) => (version: Version) => {
      setDialog(undefined);
      setNotice({ text: text(version), version });
    };

  return (
    <Box display="flex" flexDirection="column" style={{ gap: 16 }}>
      <WorkspaceSwitcher
        states={states}
        selected={workspace}
        onSelect={selectWorkspace}
      />
      <Box
        id="shipyard-workspace-panel"
        role="tabpanel"
        aria-labelledby={`shipyard-workspace-tab-${workspace}`}
        display="flex"
        flexDirection="column"
        style={{ gap: 16 }}
      >
        {notice && (
          <OperationNotice
            entityRef={entityRef}
            version={notice.version}
            onClose={() => setNotice(undefined)}
          >
            {notice.text}
          </OperationNotice>
        )}
        <DriftBanner state={state} />
        <LeaseNotice entityRef={entityRef} state={state} />
        <Box
          display="flex"
          alignItems="center"
          flexWrap="wrap"
          style={{ gap: 8 }}
        >
          <Typography variant="body1" style={{ flexGrow: 1 }}>
            {state.workspace.environment} · namespace{' '}
            <code>{state.workspace.namespace}</code>
            {state.workspace.notApplied || !state.workspace.cluster
              ? ` · versions are recorded, not applied: ${
                  state.workspace.notApplied ?? 'no cluster configured'
                }`
              : ` · cluster ${state.workspace.cluster}`}
          </Typography>
          {kubernetesApi &&
            state.workspace.cluster &&
            !state.workspace.notApplied && (
              <Button
                component={RouterLink}
                to="../kubernetes"
                relative="path"
                startIcon={<OpenInNew />}
              >
                Pods on the Kubernetes tab
              </Button>
            )}
          <Button
            variant="outlined"
            startIcon={<CompareArrows />}
            onClick={compareSelected}
            disabled={state.versionCount === 0}
          >
            {selected.length === 2
              ? `Compare v${Math.min(...selected)} and v${Math.max(
                  ...selected,
                )}`
              : 'Compare versions'}
          </Button>
          <Button
            variant="contained"
            color="primary"
            startIcon={<Edit />}
            onClick={() => setDialog({ kind: 'edit' })}
          >
            {current ? 'Edit and deploy' : 'Deploy first version'}
          </Button>
        </Box>
        {state.versionCount === 0 && !state.latestVersion ? (
          <EmptyState
            missing="data"
            title={`No versions in ${workspace} yet`}
            description="Deploy a first version here, promote one from another workspace, or deploy from a scaffolder template."
          />
        ) : (
          <VersionHistory
            key={workspace}
            entityRef={entityRef}
            workspace={workspace}
            currentNumber={current?.number}
            latestNumber={state.latestVersion?.number}
            selected={selected}
            onToggleSelected={toggleSelected}
            onViewSpec={version =>
              setDialog({ kind: 'spec', version: version.number })
            }
            onRollback={target => setDialog({ kind: 'rollback', target })}
            promotable={props.promotionTargets(workspace).length > 0}
          />
        )}
      </Box>
      {dialog?.kind === 'edit' && (
        <EditDeployDialog
          entityRef={entityRef}
          serviceName={props.serviceName}
          workspace={workspace}
          current={current}
          freeze={state.freeze}
          onClose={() => setDialog(undefined)}
          onDeployed={created(v => `Deployed v${v.number} to ${v.workspace}`)}
        />
      )}
      {dialog?.kind === 'spec' && (
        <SpecViewerDialog
          entityRef={entityRef}
          workspace={workspace}
          version={dialog.version}
          onClose={() => setDialog(undefined)}
        />
      )}
      {dialog?.kind === 'rollback' && (
        <RollbackDialog
          entityRef={entityRef}
          workspace={workspace}
          target={dialog.target}
          onClose={() => setDialog(undefined)}
          onRolledBack={created(
            v =>
              `Rolled ${v.workspace} back to v${dialog.target.number}: created v${v.number}`,
          )}
        />
      )}
      {dialog?.kind === 'compare' && (
        <CompareVersionsDialog
          entityRef={entityRef}
          workspaces={states.map(s => s.workspace.name)}
          initialFrom={dialog.from}
          initialTo={dialog.to}
          onClose={() => setDialog(undefined)}
        />
      )}
    </Box>
  );
}
