import {
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import Chip from '@material-ui/core/Chip';
import IconButton from '@material-ui/core/IconButton';
import Link from '@material-ui/core/Link';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import DescriptionOutlined from '@material-ui/icons/DescriptionOutlined';
import Block from '@material-ui/icons/Block';
import History from '@material-ui/icons/History';
import Publish from '@material-ui/icons/Publish';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import { useApi } from '@backstage/core-plugin-api';
import type { Version, VersionPage } from '@shipyard/backstage-plugin-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { shipyardApiRef } from '../../api';
import { messageOf } from '../../api/errors';
import { useServiceWorkspaces } from '../../hooks/useServiceWorkspaces';
import { useShipyardPermissions } from '../../hooks/useShipyardPermissions';
import { rejectionText } from '../EntityPromoteContent/promotionSteps';
import { GoToVersionField } from './GoToVersionField';
import { RejectDialog } from './RejectDialog';
import { authorName } from '../shared/authorName';
import { ImageRef } from '../shared/ImageRef';
import { OriginBadge } from '../shared/OriginBadge';
import { RelativeTime } from '../shared/RelativeTime';
import { openChecklistText } from '../shared/VersionChecklist';
import { VersionStatus } from '../shared/VersionStatus';

// Classes, not a Box per cell: each Box makes style rules of its own, and a
// page of 50 rows had 150 of them (the browser e2e's profile at 10,000 versions).
const useStyles = makeStyles({
  versionCell: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    gap: 4,
  },
  versionLine: {
    display: 'flex',
    alignItems: 'center',
    gap: 4,
    whiteSpace: 'nowrap',
  },
  actions: { display: 'flex', alignItems: 'center' },
});

/** Versions per page of history. */
export const PAGE_SIZE = 50;

/**
 * One workspace's history, newest first, one server-side page at a time:
 * paging follows the backend's cursors, so 10,000 versions cost what 50 do,
 * and a version far back is opened by its number (Go to version).
 * Each row shows the status store's freshest copy of its version, so a row
 * and the workspace header never disagree.
 * Mount it with `key={workspace}` so a switch starts again at the newest page.
 */
export function VersionHistory(props: {
  entityRef: string;
  workspace: string;
  currentNumber?: number;
  /** Changes whenever the workspace gets a new version, to refresh the page. */
  latestNumber?: number;
  selected: number[];
  onToggleSelected: (version: Version) => void;
  onViewSpec: (version: Version) => void;
  onRollback: (version: Version) => void;
  /** Whether versions of this workspace can be promoted somewhere (it is a source of the path). */
  promotable?: boolean;
}) {
  const { entityRef, workspace, currentNumber, latestNumber, selected } = props;
  const classes = useStyles();
  // Rows show the store's freshest copy of each version, as the header does.
  const { store } = useServiceWorkspaces(entityRef);
  const api = useApi(shipyardApiRef);
  const may = useShipyardPermissions(entityRef);
  const [rejecting, setRejecting] = useState<Version>();
  const [actionFailure, setActionFailure] = useState<string>();
  // cursors[i] is the cursor of page i; page 0 (the newest) has none.
  const [cursors, setCursors] = useState<Array<string | undefined>>([
    undefined,
  ]);
  const [page, setPage] = useState<VersionPage>();
  const [error, setError] = useState<Error>();
  const request = useRef(0);
  const cursor = cursors[cursors.length - 1];

  const load = useCallback(async () => {
    const id = ++request.current;
    try {
      const result = await store.listVersions(workspace, {
        limit: PAGE_SIZE,
        cursor,
      });
      if (id === request.current) {
        setPage(result);
        setError(undefined);
      }
    } catch (e) {
      if (id === request.current) {
        setError(e as Error);
      }
    }
  }, [store, workspace, cursor]);

  useEffect(() => {
    load();
  }, [load, latestNumber]);

  const unreject = async (version: Version) => {
    setActionFailure(undefined);
    try {
      await api.unrejectVersion(entityRef, workspace, version.number);
      await load();
    } catch (e) {
      setActionFailure(
        `Could not lift the rejection of v${version.number}: ${messageOf(e)}`,
      );
    }
  };

  if (error && !page) {
    return (
      <ResponseErrorPanel
        error={error}
        title={`Could not load the history of ${workspace}`}
      />
    );
  }

  const pageIndex = cursors.length - 1;
  const first = pageIndex * PAGE_SIZE + 1;
  const last = pageIndex * PAGE_SIZE + (page?.items.length ?? 0);

  const columns: TableColumn<Version>[] = [
    {
      title: 'Compare',
      width: '48px',
      cellStyle: { width: 48, paddingRight: 0 },
      render: version => (
        <Checkbox
          size="small"
          checked={selected.includes(version.number)}
          onChange={() => props.onToggleSelected(version)}
          inputProps={{ 'aria-label': `Select v${version.number} to compare` }}
        />
      ),
    },
    {
      title: 'Version',
      field: 'number',
      render: version => (
        <div className={classes.versionCell}>
          <div className={classes.versionLine}>
            <Link
              component={RouterLink}
              to={`${encodeURIComponent(workspace)}/${version.number}`}
              relative="path"
              variant="body2"
              aria-label={`Open v${version.number}`}
            >
              <strong
                style={
                  version.rejection
                    ? { textDecoration: 'line-through' }
                    : undefined
                }
              >
                v{version.number}
              </strong>
            </Link>
            {version.number === currentNumber && (
              <Chip size="small" color="primary" label="current" />
            )}
          </div>
          <OriginBadge origin={version.origin} />
          {version.rejection && (
            <Typography
              variant="caption"
              color="error"
              component="div"
              data-testid={`rejection-v${version.number}`}
            >
              {rejectionText(version.rejection)}
            </Typography>
          )}
          {openChecklistText(version) && (
            <Link
              component={RouterLink}
              to={`${encodeURIComponent(workspace)}/${version.number}`}
              relative="path"
              variant="caption"
              data-testid={`checklist-v${version.number}`}
            >
              {openChecklistText(version)}
            </Link>
          )}
        </div>
      ),
    },
    {
      title: 'Image',
      cellStyle: { minWidth: 200 },
      render: version =>
        version.rejection ? (
          <s>
            <ImageRef image={version.spec.image} />
          </s>
        ) : (
          <ImageRef image={version.spec.image} />
        ),
    },
    {
      title: 'Created',
      cellStyle: { whiteSpace: 'nowrap' },
      render: version => (
        <>
          <RelativeTime iso={version.createdAt} />
          <Typography
            variant="caption"
            color="textSecondary"
            component="div"
            title={version.createdBy}
          >
            by {authorName(version.createdBy)}
          </Typography>
        </>
      ),
    },
    {
      title: 'Message',
      cellStyle: { minWidth: 160 },
      render: version => version.message ?? version.origin.automatic ?? '',
    },
    {
      title: 'Status',
      cellStyle: { minWidth: 170 },
      render: version => <VersionStatus version={version} detailed />,
    },
    {
      title: 'Actions',
      cellStyle: { whiteSpace: 'nowrap' },
      render: version => (
        <div className={classes.actions}>
          <Tooltip title={`View the spec of v${version.number}`}>
            <IconButton
              size="small"
              aria-label={`View spec of v${version.number}`}
              onClick={() => props.onViewSpec(version)}
            >
              <DescriptionOutlined fontSize="small" />
            </IconButton>
          </Tooltip>
          {version.number !== currentNumber && !version.rejection && (
            <Button
              size="small"
              startIcon={<History fontSize="small" />}
              aria-label={`Roll back to v${version.number}`}
              onClick={() => props.onRollback(version)}
            >
              Roll back
            </Button>
          )}
          {props.promotable &&
            version.status === 'succeeded' &&
            !version.rejection && (
              <Button
                size="small"
                startIcon={<Publish fontSize="small" />}
                component={RouterLink}
                to={`../promote?source=${encodeURIComponent(
                  workspace,
                )}&version=${version.number}`}
                relative="path"
                aria-label={`Promote this version (v${version.number})`}
              >
                Promote
              </Button>
            )}
          {may.reject && !version.rejection && (
            <Button
              size="small"
              startIcon={<Block fontSize="small" />}
              aria-label={`Reject v${version.number}`}
              onClick={() => setRejecting(version)}
            >
              Reject
            </Button>
          )}
          {may.reject && version.rejection && (
            <Button
              size="small"
              aria-label={`Lift the rejection of v${version.number}`}
              onClick={() => unreject(version)}
            >
              Lift rejection
            </Button>
          )}
        </div>
      ),
    },
  ];

  return (
    <Box>
      {actionFailure && (
        <Box mb={1}>
          <Alert severity="error" role="alert">
            {actionFailure}
          </Alert>
        </Box>
      )}
      {rejecting && (
        <RejectDialog
          entityRef={entityRef}
          version={rejecting}
          onClose={() => setRejecting(undefined)}
          onRejected={() => {
            setRejecting(undefined);
            load();
          }}
        />
      )}
      <Table<Version>
        title={`History of ${workspace}`}
        subtitle={
          page
            ? `${page.totalCount.toLocaleString('en-US')} version${
                page.totalCount === 1 ? '' : 's'
              }, newest first`
            : undefined
        }
        isLoading={!page}
        columns={columns}
        data={(page?.items ?? []).map(store.fresh)}
        options={{
          paging: false,
          search: false,
          sorting: false,
          draggable: false,
          padding: 'dense',
          toolbar: true,
        }}
      />
      {page && page.totalCount > 0 && (
        <Box
          component="nav"
          aria-label={`Pages of the history of ${workspace}`}
          display="flex"
          alignItems="center"
          flexWrap="wrap"
          mt={1}
          style={{ gap: 8 }}
        >
          <GoToVersionField
            entityRef={entityRef}
            workspace={workspace}
            latestNumber={latestNumber}
          />
          <Box flexGrow={1} />
          <Typography variant="body2" role="status">
            Versions {first.toLocaleString('en-US')}–
            {last.toLocaleString('en-US')} of{' '}
            {page.totalCount.toLocaleString('en-US')}
          </Typography>
          <Button
            size="small"
            variant="outlined"
            disabled={pageIndex === 0}
            onClick={() => setCursors(stack => stack.slice(0, -1))}
          >
            Newer
          </Button>
          <Button
            size="small"
            variant="outlined"
            disabled={!page.nextCursor}
            onClick={() => setCursors(stack => [...stack, page.nextCursor])}
          >
            Older
          </Button>
        </Box>
      )}
    </Box>
  );
}
