import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Link from '@material-ui/core/Link';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import ArrowBack from '@material-ui/icons/ArrowBack';
import Edit from '@material-ui/icons/Edit';
import History from '@material-ui/icons/History';
import Publish from '@material-ui/icons/Publish';
import type {
  ServiceWorkspaceState,
  Version,
} from '@shipyard/backstage-plugin-common';
import { useState } from 'react';
import { Link as RouterLink, useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { shipyardApiRef } from '../../api';
import { statusCodeOf } from '../../api/errors';
import { isActive } from '../../hooks/ServiceStatusStore';
import { rejectionText } from '../EntityPromoteContent/promotionSteps';
import {
  useServiceStatusStore,
  useVersion,
} from '../../hooks/useServiceWorkspaces';
import { EditDeployDialog } from '../EntityVersionsContent/EditDeployDialog';
import { RollbackDialog } from '../EntityVersionsContent/RollbackDialog';
import { authorName } from '../shared/authorName';
import { ImageRef } from '../shared/ImageRef';
import { OperationNotice } from '../shared/OperationNotice';
import { OriginBadge } from '../shared/OriginBadge';
import { RelativeTime } from '../shared/RelativeTime';
import { SpecAndManifests } from '../shared/SpecAndManifests';
import { SpecChangesTable } from '../shared/SpecChangesTable';
import { VersionChecklist } from '../shared/VersionChecklist';
import { VersionStatus } from '../shared/VersionStatus';
import { RolloutTimeline } from './RolloutTimeline';
import { useVersionPods } from './useVersionPods';
import { VersionPods } from './VersionPods';

function PreviousDiff(props: {
  entityRef: string;
  workspace: string;
  number: number;
}) {
  const { entityRef, workspace, number } = props;
  const api = useApi(shipyardApiRef);
  const diff = useAsync(
    async () =>
      number > 1
        ? api.diff(
            entityRef,
            { workspace, version: number - 1 },
            { workspace, version: number },
          )
        : undefined,
    [api, entityRef, workspace, number],
  );
  if (number === 1) {
    return (
      <Typography variant="body2">
        v1 is the first version of the service in {workspace}.
      </Typography>
    );
  }
  if (diff.loading) {
    return <Progress />;
  }
  if (diff.error) {
    return statusCodeOf(diff.error) === 404 ? (
      <Typography variant="body2" color="textSecondary">
        v{number - 1} is no longer kept in {workspace} (its retention removed
        it).
      </Typography>
    ) : (
      <ResponseErrorPanel error={diff.error} />
    );
  }
  return (
    <SpecChangesTable
      changes={diff.value?.changes ?? []}
      beforeLabel={`v${number - 1}`}
      afterLabel={`v${number}`}
      caption={`Differences from v${number - 1} to v${number}`}
      emptyText={`v${number} has the same spec as v${number - 1}.`}
    />
  );
}

type Dialog = 'rollback' | 'edit' | undefined;

/**
 * One version on a page of its own: who deployed it and why, its rollout
 * timeline with the cluster's messages, its pods with their states, events
 * and last log lines (through the Kubernetes plugin, with the viewer's
 * permissions), its spec and manifests and its diff from the previous
 * version; roll back to it, edit from it, or promote it.
 */
export function VersionPage(props: {
  entityRef: string;
  serviceName: string;
  states: ServiceWorkspaceState[];
  /** The workspaces a version of this one can be promoted to, in path order. */
  promotionTargets: (workspace: string) => string[];
}) {
  const { entityRef, states } = props;
  const params = useParams();
  const workspace = params.workspace ?? '';
  const number = Number(params.version);
  const api = useApi(shipyardApiRef);
  const store = useServiceStatusStore(entityRef);
  const state = states.find(s => s.workspace.name === workspace);
  const detail = useAsync(async () => {
    const request = store.begin();
    const value = await api.getVersion(entityRef, workspace, number);
    const { manifests: _, ...version } = value;
    store.record([version], request);
    return value;
  }, [api, store, entityRef, workspace, number]);
  const version = useVersion(entityRef, workspace, number, detail.value);
  const current = state?.currentVersion;
  const pods = useVersionPods(
    state?.workspace ?? {
      name: workspace,
      environment: '',
      tier: 0,
      namespace: '',
      protected: false,
      autoRollback: false,
    },
    detail.value,
    { poll: !!version && (isActive(version) || current?.number === number) },
  );
  const [dialog, setDialog] = useState<Dialog>();
  const [notice, setNotice] = useState<{ text: string; version: Version }>();

  const historyLink = (
    <Link
      component={RouterLink}
      to={`../..?workspace=${encodeURIComponent(workspace)}`}
      relative="path"
    >
      <Box display="inline-flex" alignItems="center" style={{ gap: 4 }}>
        <ArrowBack fontSize="small" /> History of {workspace}
      </Box>
    </Link>
  );

  if (!state || !Number.isSafeInteger(number) || number < 1) {
    return (
      <Box>
        {historyLink}
        <EmptyState
          missing="data"
          title="No such version"
          description={`This service has no workspace '${workspace}' or no v${params.version} in it.`}
        />
      </Box>
    );
  }
  if (detail.error) {
    return (
      <Box>
        {historyLink}
        <ResponseErrorPanel
          error={detail.error}
          title={`Could not load ${workspace} v${number}`}
        />
      </Box>
    );
  }
  if (!version || !detail.value) {
    return <Progress />;
  }

  const targets = props.promotionTargets(workspace);
  const isCurrent = current?.number === number;

  return (
    <Box display="flex" flexDirection="column" style={{ gap: 16 }}>
      {historyLink}
      <Box
        display="flex"
        flexWrap="wrap"
        alignItems="flex-start"
        style={{ gap: 16 }}
      >
        <Box flexGrow={1}>
          <Box display="flex" alignItems="center" style={{ gap: 12 }}>
            <Typography variant="h5" component="h2">
              {workspace} v{number}
            </Typography>
            {isCurrent && (
              <Typography variant="overline" component="span">
                current
              </Typography>
            )}
            <OriginBadge origin={version.origin} />
          </Box>
          <Typography variant="body2">
            <ImageRef image={version.spec.image} />
          </Typography>
          <Typography variant="body2" color="textSecondary">
            Deployed by{' '}
            <span title={version.createdBy}>
              {authorName(version.createdBy)}
            </span>{' '}
            <RelativeTime iso={version.createdAt} />
            {version.message ? `: ${version.message}` : ''}
          </Typography>
          <Box mt={1}>
            <VersionStatus version={version} detailed />
          </Box>
          {version.rejection && (
            <Box mt={1}>
              <Alert severity="error" data-testid="version-rejection">
                {rejectionText(version.rejection)}. It is not promoted or rolled
                back to until the rejection is lifted (Versions tab).
              </Alert>
            </Box>
          )}
          {!!version.checklist?.length && (
            <Box mt={2}>
              <VersionChecklist entityRef={entityRef} version={version} />
            </Box>
          )}
        </Box>
        <Box display="flex" flexWrap="wrap" style={{ gap: 8 }}>
          {!isCurrent && !version.rejection && (
            <Button
              variant="outlined"
              startIcon={<History />}
              onClick={() => setDialog('rollback')}
            >
              Roll back to v{number}
            </Button>
          )}
          <Button
            variant="outlined"
            startIcon={<Edit />}
            onClick={() => setDialog('edit')}
          >
            Edit from v{number}
          </Button>
          {targets.length > 0 && !version.rejection && (
            <Button
              variant="outlined"
              startIcon={<Publish />}
              component={RouterLink}
              to={`../../../promote?source=${encodeURIComponent(
                workspace,
              )}&version=${number}`}
              relative="path"
            >
              Promote v{number}
            </Button>
          )}
        </Box>
      </Box>
      {notice && (
        <OperationNotice
          entityRef={entityRef}
          version={notice.version}
          onClose={() => setNotice(undefined)}
        >
          {notice.text}
        </OperationNotice>
      )}
      <Grid container spacing={2}>
        <Grid item xs={12} lg={4}>
          <InfoCard title="Rollout">
            <RolloutTimeline version={version} />
          </InfoCard>
        </Grid>
        <Grid item xs={12} lg={8}>
          <InfoCard title={`Changes from v${number - 1 || 'nothing'}`}>
            <PreviousDiff
              entityRef={entityRef}
              workspace={workspace}
              number={number}
            />
          </InfoCard>
        </Grid>
        <Grid item xs={12}>
          <InfoCard
            title="Pods"
            subheader={`In namespace ${state.workspace.namespace}${
              state.workspace.cluster ? ` of ${state.workspace.cluster}` : ''
            }, read with your permissions`}
          >
            <VersionPods
              pods={pods.pods}
              events={pods.events}
              error={pods.error}
              loading={pods.loading}
              unavailable={pods.unavailable}
              number={number}
              logsOf={pods.logsOf}
            />
            {!pods.unavailable && (
              <Box mt={2}>
                <Link
                  component={RouterLink}
                  to="../../../kubernetes"
                  relative="path"
                >
                  Everything of the service on the Kubernetes tab
                </Link>
              </Box>
            )}
          </InfoCard>
        </Grid>
        <Grid item xs={12}>
          <InfoCard title="Spec">
            <SpecAndManifests
              detail={{ ...detail.value, ...version }}
              idPrefix="shipyard-version-spec"
            />
          </InfoCard>
        </Grid>
      </Grid>
      {dialog === 'rollback' && (
        <RollbackDialog
          entityRef={entityRef}
          workspace={workspace}
          target={version}
          onClose={() => setDialog(undefined)}
          onRolledBack={created => {
            setDialog(undefined);
            setNotice({
              text: `Rolled ${workspace} back to v${number}: created v${created.number}`,
              version: created,
            });
          }}
        />
      )}
      {dialog === 'edit' && (
        <EditDeployDialog
          entityRef={entityRef}
          serviceName={props.serviceName}
          workspace={workspace}
          current={current}
          startFrom={version}
          onClose={() => setDialog(undefined)}
          onDeployed={created => {
            setDialog(undefined);
            setNotice({
              text: `Deployed v${created.number} to ${workspace} from v${number}`,
              version: created,
            });
          }}
        />
      )}
    </Box>
  );
}
