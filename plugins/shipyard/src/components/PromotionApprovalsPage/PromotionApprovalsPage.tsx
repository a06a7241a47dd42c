import { parseEntityRef } from '@backstage/catalog-model';
import {
  Content,
  ContentHeader,
  EmptyState,
  Header,
  Page,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Link from '@material-ui/core/Link';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import {
  shipyardPromotionApprovePermission,
  type PromotionRequest,
} from '@shipyard/backstage-plugin-common';
import { useState } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { shipyardApiRef } from '../../api';
import { authorName } from '../shared/authorName';
import { ReasonDialog } from '../shared/ReasonDialog';
import { RelativeTime } from '../shared/RelativeTime';
import { useSignedInUser } from '../shared/WorkspaceNotices';

type Decision = 'approve' | 'decline';

/** Why the signed-in user cannot approve `request`, or undefined when they can. */
export function whyNotApprove(
  request: PromotionRequest,
  me: string | undefined,
  allowed: boolean,
): string | undefined {
  if (request.status !== 'pending') {
    return undefined;
  }
  if (me && request.requestedBy === me) {
    return 'You requested it: someone else approves it';
  }
  if (me && request.approvals.some(a => a.by === me)) {
    return 'You approved it already';
  }
  if (!allowed) {
    return 'You may not approve promotions of this service';
  }
  return undefined;
}

function DecisionDialog(props: {
  request: PromotionRequest;
  decision: Decision;
  onClose: () => void;
  onDone: (updated: PromotionRequest) => void;
}) {
  const { request, decision } = props;
  const api = useApi(shipyardApiRef);
  const verb = decision === 'approve' ? 'Approve' : 'Decline';
  return (
    <ReasonDialog
      id="shipyard-decision"
      title={`${verb} the promotion of ${request.source} v${request.sourceVersion} to ${request.target}`}
      reasonLabel={`Reason (${
        decision === 'approve' ? 'optional' : 'recommended'
      })`}
      reasonHelperText="Recorded with the request and in the audit log."
      submitLabel={verb}
      submittingLabel={`${verb.slice(0, -1)}ing…`}
      submitColor={decision === 'approve' ? 'primary' : 'secondary'}
      onClose={props.onClose}
      onSubmit={async reason =>
        props.onDone(
          decision === 'approve'
            ? await api.approvePromotionRequest(request.id, reason)
            : await api.declinePromotionRequest(request.id, reason),
        )
      }
    >
      <Typography variant="body2" paragraph>
        {parseEntityRef(request.service).name}: requested by{' '}
        {authorName(request.requestedBy)}
        {request.reason ? ` (${request.reason})` : ''}.{' '}
        {decision === 'approve'
          ? 'Your approval is for this plan only: if the source or the target changes, the request goes stale.'
          : 'A declined request does not run; the requester can ask again.'}
      </Typography>
    </ReasonDialog>
  );
}

function RequestActions(props: {
  request: PromotionRequest;
  me: string | undefined;
  onDecide: (request: PromotionRequest, decision: Decision) => void;
}) {
  const { request, me } = props;
  const permission = usePermission({
    permission: shipyardPromotionApprovePermission,
    resourceRef: request.service,
  });
  if (request.status !== 'pending') {
    return (
      <Typography variant="body2" color="textSecondary">
        Approved; runs when {authorName(request.requestedBy)} runs it
      </Typography>
    );
  }
  const reason = permission.loading
    ? undefined
    : whyNotApprove(request, me, permission.allowed);
  const reasonId = `shipyard-request-${request.id}-reason`;
  const label = `${request.source} v${request.sourceVersion} to ${
    request.target
  } of ${parseEntityRef(request.service).name}`;
  return (
    <Box>
      <Box display="flex" style={{ gap: 8 }}>
        <Button
          size="small"
          variant="contained"
          color="primary"
          disabled={permission.loading || !!reason}
          aria-label={`Approve ${label}`}
          aria-describedby={reason ? reasonId : undefined}
          onClick={() => props.onDecide(request, 'approve')}
        >
          Approve
        </Button>
        <Button
          size="small"
          variant="outlined"
          disabled={
            permission.loading ||
            (!permission.allowed && request.requestedBy !== me)
          }
          aria-label={`Decline ${label}`}
          onClick={() => props.onDecide(request, 'decline')}
        >
          Decline
        </Button>
      </Box>
      {reason && (
        <Typography
          id={reasonId}
          variant="caption"
          color="textSecondary"
          component="p"
        >
          {reason}
        </Typography>
      )}
    </Box>
  );
}

/** What became of a decision, in words. */
function outcomeText(request: PromotionRequest): string {
  const what = `${request.source} v${request.sourceVersion} to ${request.target}`;
  switch (request.status) {
    case 'executed':
      return `Approved: ${what} ran${
        request.outcome?.version
          ? ` and created ${request.target} v${request.outcome.version}`
          : ''
      }.`;
    case 'approved':
      return `Approved: ${what} runs when ${authorName(
        request.requestedBy,
      )} runs it.`;
    case 'pending':
      return `Approved by you: ${what} still waits for ${
        request.required - request.approvals.length
      } more.`;
    case 'declined':
      return `Declined: ${what} will not run.`;
    case 'stale':
      return `The plan of ${what} changed since it was requested: the request is stale and needs a new one.`;
    default:
      return `${what}: ${request.status}${
        request.outcome?.reason ? ` (${request.outcome.reason})` : ''
      }.`;
  }
}

/**
 * Promotion requests waiting for approval across services, for release
 * managers: who asked, for which plan and why, with Approve and Decline
 * (shown disabled with the reason for the requester and for those without
 * `shipyard.promotion.approve` on the service).
 */
export function PromotionRequestsContent() {
  const api = useApi(shipyardApiRef);
  const me = useSignedInUser();
  const entityRoute = useRouteRef(entityRouteRef);
  const requests = useAsyncRetry(
    () => api.listPromotionRequests({ status: ['pending', 'approved'] }),
    [api],
  );
  const [deciding, setDeciding] = useState<{
    request: PromotionRequest;
    decision: Decision;
  }>();
  const [done, setDone] = useState<PromotionRequest>();

  if (requests.error) {
    return (
      <ResponseErrorPanel
        error={requests.error}
        title="Could not load the promotion requests"
      />
    );
  }

  const columns: TableColumn<PromotionRequest>[] = [
    {
      title: 'Service',
      render: request => {
        const ref = parseEntityRef(request.service);
        return (
          <Link
            component={RouterLink}
            to={`${entityRoute({
              kind: ref.kind.toLocaleLowerCase('en-US'),
              namespace: ref.namespace,
              name: ref.name,
            })}/promote`}
          >
            {ref.name}
          </Link>
        );
      },
    },
    {
      title: 'Promotion',
      render: request => (
        <>
          <Typography variant="body2">
            {request.source} v{request.sourceVersion} → {request.target}
            {request.targetVersion ? ` (now v${request.targetVersion})` : ''}
          </Typography>
          {request.origin === 'auto-promotion' && (
            <Typography variant="caption" color="textSecondary">
              opened by auto-promotion
            </Typography>
          )}
        </>
      ),
    },
    {
      title: 'Requested',
      render: request => (
        <>
          <Typography variant="body2">
            by {authorName(request.requestedBy)},{' '}
            <RelativeTime iso={request.requestedAt} />
          </Typography>
          {request.reason && (
            <Typography variant="caption" color="textSecondary">
              {request.reason}
            </Typography>
          )}
        </>
      ),
    },
    {
      title: 'Approvals',
      render: request => (
        <>
          <Typography variant="body2">
            {request.approvals.length} of {request.required}
          </Typography>
          {request.approvals.map(a => (
            <Typography
              key={a.by}
              variant="caption"
              color="textSecondary"
              component="div"
            >
              {authorName(a.by)}
              {a.reason ? `: ${a.reason}` : ''}
            </Typography>
          ))}
        </>
      ),
    },
    {
      title: 'Actions',
      render: request => (
        <RequestActions
          request={request}
          me={me}
          onDecide={(r, decision) => setDeciding({ request: r, decision })}
        />
      ),
    },
  ];

  return (
    <>
      <ContentHeader title="Promotion requests" />
      {done && (
        <Box mb={2}>
          <Alert
            severity={done.status === 'declined' ? 'info' : 'success'}
            role="status"
            onClose={() => setDone(undefined)}
          >
            {outcomeText(done)}
          </Alert>
        </Box>
      )}
      {requests.value && requests.value.length === 0 ? (
        <EmptyState
          missing="data"
          title="No promotion waits for approval"
          description="Promotions into workspaces with approval.required become requests; they show here until approved or declined."
        />
      ) : (
        <Table<PromotionRequest>
          title="Waiting for approval"
          isLoading={requests.loading && !requests.value}
          columns={columns}
          data={requests.value ?? []}
          options={{
            paging: false,
            search: false,
            sorting: false,
            draggable: false,
            padding: 'dense',
          }}
        />
      )}
      {deciding && (
        <DecisionDialog
          request={deciding.request}
          decision={deciding.decision}
          onClose={() => setDeciding(undefined)}
          onDone={updated => {
            setDeciding(undefined);
            setDone(updated);
            requests.retry();
          }}
        />
      )}
    </>
  );
}

/**
 * The release managers' page: promotion requests waiting for approval across
 * services. Mount it at `/shipyard/approvals` (the `/alpha` plugin does).
 * @public
 */
export function PromotionApprovalsPage() {
  return (
    <Page themeId="tool">
      <Header
        title="Promotion approvals"
        subtitle="Promotions into workspaces that need approval, waiting for someone other than the requester"
      />
      <Content>
        <PromotionRequestsContent />
      </Content>
    </Page>
  );
}
