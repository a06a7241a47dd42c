import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import ButtonGroup from '@material-ui/core/ButtonGroup';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import Grid from '@material-ui/core/Grid';
import Link from '@material-ui/core/Link';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import {
  diffSpecs,
  parseSpecYamlWithLines,
  stringifySpec,
  type ActiveFreeze,
  type ServiceSpec,
  type Version,
} from '@shipyard/backstage-plugin-common';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { FormEvent, useMemo, useRef, useState } from 'react';
import { shipyardApiRef } from '../../api';
import { useServiceStatusStore } from '../../hooks/useServiceWorkspaces';
import { useShipyardPermissions } from '../../hooks/useShipyardPermissions';
import {
  isBusy,
  isConflict,
  isMissingReferences,
  messageOf,
  missingReferencesOf,
} from '../../api/errors';
import { FreezeReasonField } from '../shared/FreezeReasonField';
import { freezeText } from '../shared/freezeText';
import { SpecChangesTable } from '../shared/SpecChangesTable';
import { DeployPreflightNotes } from './DeployPreflightNotes';
import { DraftSpec, SpecForm } from './SpecForm';
import { SpecYamlEditor, SpecYamlEditorHandle } from './SpecYamlEditor';
import { useSpecTexts } from './specTexts';
import { useDeployPreflight } from './useDeployPreflight';

/** The spec written as YAML when it is a map, valid or not: what the form edits. */
function draftOf(text: string): DraftSpec | undefined {
  try {
    const value = parseYaml(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

/** A spec the form changed, as YAML in the spec's field order (plain YAML while a field's shape is still wrong). */
function textOfDraft(spec: DraftSpec): string {
  try {
    return stringifySpec(spec as ServiceSpec);
  } catch {
    return stringifyYaml(spec);
  }
}

/** The spec offered when a workspace has no version yet. */
export function starterSpecYaml(serviceName: string): string {
  return [
    `image: ghcr.io/acme/${serviceName}:1.0.0`,
    'ports:',
    '  - name: http',
    '    port: 8080',
    'replicas: 1',
    '',
  ].join('\n');
}

/**
 * Edit and deploy: a YAML editor checked against the shared spec schema as
 * you type, a diff against the current version, and `expectedCurrentVersion`
 * so two people editing at once never overwrite each other silently.
 */
export function EditDeployDialog(props: {
  entityRef: string;
  serviceName: string;
  workspace: string;
  current?: Version;
  /** Edit from this version's spec instead of the current one's; the deploy still replaces the current version. */
  startFrom?: Version;
  /** The workspace's freeze window in force: deploying needs shipyard.freeze.override and a reason. */
  freeze?: ActiveFreeze;
  onClose: () => void;
  onDeployed: (version: Version) => void;
}) {
  const { entityRef, workspace } = props;
  const api = useApi(shipyardApiRef);
  const store = useServiceStatusStore(entityRef);
  const [base, setBase] = useState<Version | undefined>(props.current);
  const texts = useSpecTexts();
  const [text, setText] = useState(() =>
    props.startFrom ?? props.current
      ? texts.textOf((props.startFrom ?? props.current)!)
      : starterSpecYaml(props.serviceName),
  );
  const editor = useRef<SpecYamlEditorHandle>(null);
  const [message, setMessage] = useState('');
  const { freeze } = props;
  const may = useShipyardPermissions(entityRef);
  const [freezeReason, setFreezeReason] = useState('');
  // During a freeze only a reason (and the permission) lets the deploy through.
  const frozenShut =
    !!freeze && (!may.freezeOverride || freezeReason.trim() === '');
  const [submitting, setSubmitting] = useState(false);
  // References the backend found missing in the namespace, for the text they were found in.
  const [missing, setMissing] = useState<{
    spec: string;
    references: string[];
  }>();
  const missingNow = missing?.spec === text ? missing.references : undefined;
  const [failure, setFailure] = useState<string>();
  // Set when someone else deployed meanwhile: their version, to rebase on after "Reload".
  const [conflict, setConflict] = useState<{
    current?: Version;
    detail: string;
  }>();
  const titleId = 'shipyard-edit-title';
  const errorsId = 'shipyard-edit-errors';

  const parsed = useMemo(() => parseSpecYamlWithLines(text), [text]);
  const draft = useMemo(() => draftOf(text), [text]);
  const problems = useMemo(
    () => (parsed.success ? [] : parsed.errors),
    [parsed],
  );
  const [view, setView] = useState<'yaml' | 'form'>('yaml');

  // Puts the cursor on a line of the spec, e.g. the one a problem is on.
  const goToLine = (line: number) => editor.current?.goToLine(line);
  const changes = useMemo(
    () => (parsed.success ? diffSpecs(base?.spec, parsed.spec) : []),
    [parsed, base],
  );
  const preflight = useDeployPreflight(
    entityRef,
    workspace,
    parsed.success ? parsed.spec : undefined,
  );
  // The user has seen what the workspace lacks: deploying now is deploying anyway.
  const knowinglyMissing = preflight.blockers.length > 0 || !!missingNow;

  const deploy = async (allowMissingReferences: boolean) => {
    if (!parsed.success) {
      return;
    }
    setSubmitting(true);
    setFailure(undefined);
    try {
      const version = await store.track(() =>
        api.deploy(entityRef, workspace, {
          spec: parsed.spec,
          message: message.trim() || undefined,
          expectedCurrentVersion: base?.number ?? 0,
          origin: 'edit',
          ...(allowMissingReferences ? { allowMissingReferences } : {}),
          ...(freeze
            ? { freezeOverride: { reason: freezeReason.trim() } }
            : {}),
        }),
      );
      texts.remember(version, text);
      props.onDeployed(version);
    } catch (e) {
      if (isMissingReferences(e)) {
        setMissing({ spec: text, references: missingReferencesOf(e) });
      } else if (isConflict(e) && !isBusy(e)) {
        const states = await api
          .getServiceWorkspaces(entityRef)
          .catch(() => undefined);
        const current = states?.find(
          s => s.workspace.name === workspace,
        )?.currentVersion;
        setConflict({ current, detail: messageOf(e) });
      } else {
        setFailure(messageOf(e));
      }
    } finally {
      setSubmitting(false);
    }
  };

  let introduction = `${workspace} has no version yet. Deploying creates v1.`;
  if (props.startFrom && props.startFrom.number !== base?.number) {
    introduction = `Starts from the spec of v${props.startFrom.number}. ${
      base
        ? `Deploying creates the next version and replaces the current v${base.number}; the changes below are from v${base.number}.`
        : 'Deploying creates the next version.'
    }`;
  } else if (base) {
    introduction = `Starts from v${base.number}, the current version of ${workspace}. Deploying creates the next version.`;
  }

  let deployLabel = `Deploy to ${workspace}`;
  if (submitting) {
    deployLabel = 'Deploying…';
  } else if (knowinglyMissing) {
    deployLabel = `Deploy to ${workspace} anyway`;
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!frozenShut) {
      deploy(knowinglyMissing);
    }
  };

  const reload = () => {
    setBase(conflict?.current);
    setConflict(undefined);
  };

  return (
    <Dialog
      open
      onClose={props.onClose}
      aria-labelledby={titleId}
      maxWidth="lg"
      fullWidth
    >
      <form onSubmit={onSubmit} aria-labelledby={titleId}>
        <DialogTitle id={titleId}>Edit and deploy to {workspace}</DialogTitle>
        <DialogContent dividers>
          <DialogContentText>{introduction}</DialogContentText>
          {conflict && (
            <Box mb={2}>
              <Alert
                severity="error"
                role="alert"
                action={
                  <Button color="inherit" size="small" onClick={reload}>
                    Reload
                  </Button>
                }
              >
                {conflict.current
                  ? `Someone else deployed v${conflict.current.number} in the meantime — reload to compare against it; your edits are kept.`
                  : `Someone else changed ${workspace} in the meantime — reload; your edits are kept.`}{' '}
                <Typography variant="caption" component="span">
                  ({conflict.detail})
                </Typography>
              </Alert>
            </Box>
          )}
          <Grid container spacing={2}>
            <Grid item xs={12} md={6}>
              <ButtonGroup size="small" aria-label="Edit the spec as">
                {(['yaml', 'form'] as const).map(each => (
                  <Button
                    key={each}
                    aria-pressed={view === each}
                    color={view === each ? 'primary' : 'default'}
                    variant={view === each ? 'contained' : 'outlined'}
                    onClick={() => setView(each)}
                  >
                    {each === 'yaml' ? 'YAML' : 'Form'}
                  </Button>
                ))}
              </ButtonGroup>
              {view === 'form' && (
                <Box mt={2}>
                  {draft ? (
                    <SpecForm
                      spec={draft}
                      errors={parsed.success ? [] : parsed.errors}
                      onChange={next => setText(textOfDraft(next))}
                    />
                  ) : (
                    <Alert severity="info">
                      The YAML is not a map of fields yet; fix it in the YAML
                      tab to use the form.
                    </Alert>
                  )}
                </Box>
              )}
              <Box display={view === 'yaml' ? 'block' : 'none'} mt={2}>
                <SpecYamlEditor
                  ref={editor}
                  value={text}
                  onChange={setText}
                  errors={problems}
                  describedBy={errorsId}
                />
              </Box>
              <Box id={errorsId} mt={1} aria-live="polite">
                {parsed.success ? (
                  <Typography variant="body2" color="textSecondary">
                    The spec is valid.
                  </Typography>
                ) : (
                  <Alert severity="error">
                    <Typography variant="body2">
                      {parsed.errors.length === 1
                        ? 'The spec has 1 problem:'
                        : `The spec has ${parsed.errors.length} problems:`}
                    </Typography>
                    <ul
                      aria-label="Spec problems"
                      style={{ margin: 0, paddingLeft: 20 }}
                    >
                      {parsed.errors.map((error, index) => (
                        <li key={index}>
                          <Link
                            component="button"
                            type="button"
                            variant="body2"
                            onClick={() => {
                              if (view === 'yaml') {
                                goToLine(error.line);
                                return;
                              }
                              setView('yaml');
                              // Once the YAML tab shows again.
                              setTimeout(() => goToLine(error.line));
                            }}
                            aria-label={`Go to line ${error.line}`}
                          >
                            line {error.line}
                            {error.column ? `, column ${error.column}` : ''}
                          </Link>
                          : {error.path ? <code>{error.path}</code> : null}
                          {error.path ? ': ' : ''}
                          {error.message}
                        </li>
                      ))}
                    </ul>
                  </Alert>
                )}
              </Box>
            </Grid>
            <Grid item xs={12} md={6}>
              <Typography variant="subtitle2" component="h3" gutterBottom>
                Changes from{' '}
                {base ? `v${base.number}` : 'nothing (first version)'}
              </Typography>
              {parsed.success ? (
                <SpecChangesTable
                  changes={changes}
                  beforeLabel={
                    base ? `Current (v${base.number})` : 'Current (none)'
                  }
                  afterLabel="After deploy"
                  caption="What this deploy changes"
                  emptyText="No changes: deploying re-applies the current spec as a new version."
                />
              ) : (
                <Typography variant="body2" color="textSecondary">
                  Fix the spec to see its diff.
                </Typography>
              )}
              {parsed.success && (
                <DeployPreflightNotes
                  workspace={workspace}
                  preflight={preflight}
                />
              )}
              {freeze && (
                <Box mt={2}>
                  {may.freezeOverride ? (
                    <FreezeReasonField
                      id="shipyard-edit-freeze-reason"
                      operation="deploy"
                      workspace={workspace}
                      freeze={freeze}
                      value={freezeReason}
                      onChange={setFreezeReason}
                    />
                  ) : (
                    <Alert severity="warning">
                      {freezeText(workspace, freeze)}. Deploying needs the
                      shipyard.freeze.override permission; rollbacks are
                      allowed.
                    </Alert>
                  )}
                </Box>
              )}
              <Box mt={2}>
                <TextField
                  id="shipyard-edit-message"
                  label="Message"
                  helperText="What changed and why; shown in the history."
                  value={message}
                  onChange={e => setMessage(e.target.value)}
                  fullWidth
                  variant="outlined"
                  size="small"
                />
              </Box>
            </Grid>
          </Grid>
          {missingNow && (
            <Box mt={2}>
              <Alert
                severity="warning"
                role="alert"
                action={
                  <Button
                    color="inherit"
                    size="small"
                    onClick={() => deploy(true)}
                    disabled={submitting || frozenShut}
                  >
                    Deploy anyway
                  </Button>
                }
              >
                <AlertTitle>
                  Not deployed: this spec reads Secrets or ConfigMaps that{' '}
                  {workspace} does not have
                </AlertTitle>
                <ul
                  aria-label="Missing references"
                  style={{ margin: 0, paddingLeft: 20 }}
                >
                  {missingNow.map(reference => (
                    <li key={reference}>{reference}</li>
                  ))}
                </ul>
                Create them in the namespace first; deploy anyway only if they
                will exist before the pods need them.
              </Alert>
            </Box>
          )}
          {failure && (
            <Box mt={2}>
              <Alert severity="error" role="alert">
                {failure}
              </Alert>
            </Box>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={props.onClose}>Cancel</Button>
          <Button
            type="submit"
            color="primary"
            variant="contained"
            disabled={!parsed.success || submitting || !!conflict || frozenShut}
          >
            {deployLabel}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
