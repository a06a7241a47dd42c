import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Grid from '@material-ui/core/Grid';
import IconButton from '@material-ui/core/IconButton';
import MenuItem from '@material-ui/core/MenuItem';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import DeleteIcon from '@material-ui/icons/Delete';
import {
  looksLikeSecretName,
  type EnvValue,
  type SpecError,
} from '@shipyard/backstage-plugin-common';

/** An element id for the form field of a spec path, so each label names its input. */
function fieldId(path: string): string {
  return `shipyard-spec-form-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

/** A spec as written, valid or not: what the form reads and edits. */
export type DraftSpec = Record<string, any>;

/** `ghcr.io/acme/payments:1.4.2@sha256:…` as repository, tag and digest; the tag is what a release changes. */
export function splitImage(image: string): {
  repository: string;
  tag: string;
  digest: string;
} {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : '';
  const named = at >= 0 ? image.slice(0, at) : image;
  const colon = named.lastIndexOf(':');
  // A colon before the last slash is a registry's port, not a tag.
  if (colon > named.lastIndexOf('/')) {
    return {
      repository: named.slice(0, colon),
      tag: named.slice(colon + 1),
      digest,
    };
  }
  return { repository: named, tag: '', digest };
}

/** The inverse of {@link splitImage}. */
export function joinImage(parts: {
  repository: string;
  tag: string;
  digest: string;
}): string {
  return `${parts.repository}${parts.tag ? `:${parts.tag}` : ''}${
    parts.digest ? `@${parts.digest}` : ''
  }`;
}

type EnvSource = 'value' | 'secret' | 'configMap';

function sourceOf(value: EnvValue | undefined): EnvSource {
  if (value && typeof value === 'object' && 'secretKeyRef' in value) {
    return 'secret';
  }
  if (value && typeof value === 'object' && 'configMapKeyRef' in value) {
    return 'configMap';
  }
  return 'value';
}

function referenceOf(value: EnvValue | undefined): {
  name: string;
  key: string;
} {
  if (value && typeof value === 'object') {
    const ref =
      'secretKeyRef' in value ? value.secretKeyRef : value.configMapKeyRef;
    return { name: ref?.name ?? '', key: ref?.key ?? '' };
  }
  return { name: '', key: '' };
}

function withSource(
  source: EnvSource,
  name: string,
  key: string,
  literal: string,
): EnvValue {
  if (source === 'secret') return { secretKeyRef: { name, key } };
  if (source === 'configMap') return { configMapKeyRef: { name, key } };
  return literal;
}

/** A copy of `spec` with `field` set, or removed when `value` is undefined. */
function setField(spec: DraftSpec, field: string, value: unknown): DraftSpec {
  const next = { ...spec };
  if (value === undefined) {
    delete next[field];
  } else {
    next[field] = value;
  }
  return next;
}

function numberOrText(text: string): number | string | undefined {
  if (text.trim() === '') return undefined;
  return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
}

function compactObject(
  value: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const entries = Object.entries(value).filter(
    ([, v]) => v !== undefined && v !== '',
  );
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/**
 * The guided side of the Edit dialog: image and tag, replicas or
 * autoscaling, resources with GPUs, env as a table (literal, Secret key,
 * ConfigMap key), and the host each port is exposed at. It edits the same
 * spec as the YAML beside it; each field shows the schema's error for its
 * path.
 */
export function SpecForm(props: {
  spec: DraftSpec;
  errors: SpecError[];
  onChange: (spec: DraftSpec) => void;
}) {
  const { spec, onChange } = props;
  const errorAt = (path: string) =>
    props.errors.find(e => e.path === path)?.message;
  const image = splitImage(typeof spec.image === 'string' ? spec.image : '');
  const setImage = (part: Partial<typeof image>) =>
    onChange(setField(spec, 'image', joinImage({ ...image, ...part })));

  const scaling: 'replicas' | 'autoscaling' = spec.autoscaling
    ? 'autoscaling'
    : 'replicas';
  const setScaling = (mode: string) => {
    if (mode === 'autoscaling') {
      const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
      onChange(
        setField(setField(spec, 'replicas', undefined), 'autoscaling', {
          minReplicas: Math.max(1, replicas),
          maxReplicas: Math.max(1, replicas) * 2,
        }),
      );
    } else {
      const replicas = spec.autoscaling?.minReplicas ?? 1;
      onChange(
        setField(
          setField(spec, 'autoscaling', undefined),
          'replicas',
          replicas,
        ),
      );
    }
  };

  const resources = spec.resources ?? {};
  const setResource = (
    group: 'requests' | 'limits',
    name: string,
    text: string,
  ) => {
    const list = compactObject({
      ...(resources[group] ?? {}),
      [name]: text.trim() || undefined,
    });
    const next = compactObject({ ...resources, [group]: list });
    onChange(setField(spec, 'resources', next));
  };

  const env: Record<string, EnvValue> =
    spec.env && typeof spec.env === 'object' ? spec.env : {};
  const envKeys = Object.keys(env);
  const setEnv = (entries: Array<[string, EnvValue]>) =>
    onChange(
      setField(
        spec,
        'env',
        entries.length ? Object.fromEntries(entries) : undefined,
      ),
    );
  const replaceEnv = (index: number, key: string, value: EnvValue) =>
    setEnv(envKeys.map((k, i) => (i === index ? [key, value] : [k, env[k]])));

  const ports: Array<Record<string, any>> = Array.isArray(spec.ports)
    ? spec.ports
    : [];
  const setHost = (index: number, host: string) =>
    onChange(
      setField(
        spec,
        'ports',
        ports.map((port, i) => {
          if (i !== index) return port;
          const { expose, ...rest } = port;
          return host.trim()
            ? { ...rest, expose: { ...expose, host: host.trim() } }
            : rest;
        }),
      ),
    );

  return (
    <Box aria-label="Spec form" role="group">
      <Typography variant="subtitle2" component="h3" gutterBottom>
        Image
      </Typography>
      <Grid container spacing={1}>
        <Grid item xs={8}>
          <TextField
            id={fieldId('image.repository')}
            label="Repository"
            value={image.repository}
            onChange={e => setImage({ repository: e.target.value })}
            error={!!errorAt('image')}
            helperText={errorAt('image')}
            fullWidth
            size="small"
            variant="outlined"
          />
        </Grid>
        <Grid item xs={4}>
          <TextField
            id={fieldId('image.tag')}
            label="Tag"
            value={image.tag}
            onChange={e => setImage({ tag: e.target.value })}
            fullWidth
            size="small"
            variant="outlined"
          />
        </Grid>
      </Grid>

      <Box mt={2}>
        <Typography variant="subtitle2" component="h3">
          Scaling
        </Typography>
        <RadioGroup
          row
          value={scaling}
          onChange={e => setScaling(e.target.value)}
          aria-label="Scaling"
        >
          <FormControlLabel
            value="replicas"
            control={<Radio size="small" />}
            label="Replicas"
          />
          <FormControlLabel
            value="autoscaling"
            control={<Radio size="small" />}
            label="Autoscaling"
          />
        </RadioGroup>
        {scaling === 'replicas' ? (
          <TextField
            id={fieldId('replicas')}
            label="Replicas"
            value={spec.replicas ?? ''}
            onChange={e =>
              onChange(setField(spec, 'replicas', numberOrText(e.target.value)))
            }
            error={!!errorAt('replicas')}
            helperText={errorAt('replicas')}
            size="small"
            variant="outlined"
          />
        ) : (
          <Grid container spacing={1}>
            {(['minReplicas', 'maxReplicas'] as const).map(key => (
              <Grid item xs={6} key={key}>
                <TextField
                  id={fieldId(`autoscaling.${key}`)}
                  label={
                    key === 'minReplicas' ? 'Min replicas' : 'Max replicas'
                  }
                  value={spec.autoscaling?.[key] ?? ''}
                  onChange={e =>
                    onChange(
                      setField(spec, 'autoscaling', {
                        ...spec.autoscaling,
                        [key]: numberOrText(e.target.value),
                      }),
                    )
                  }
                  error={!!errorAt(`autoscaling.${key}`)}
                  helperText={errorAt(`autoscaling.${key}`)}
                  size="small"
                  variant="outlined"
                  fullWidth
                />
              </Grid>
            ))}
          </Grid>
        )}
      </Box>

      <Box mt={2}>
        <Typography variant="subtitle2" component="h3" gutterBottom>
          Resources
        </Typography>
        <Grid container spacing={1}>
          {(
            [
              ['requests', 'cpu', 'CPU request'],
              ['requests', 'memory', 'Memory request'],
              ['limits', 'cpu', 'CPU limit'],
              ['limits', 'memory', 'Memory limit'],
              ['limits', 'nvidia.com/gpu', 'GPUs (nvidia.com/gpu)'],
            ] as const
          ).map(([group, name, label]) => (
            <Grid item xs={6} md={4} key={`${group}.${name}`}>
              <TextField
                id={fieldId(`resources.${group}.${name}`)}
                label={label}
                value={resources[group]?.[name] ?? ''}
                onChange={e => setResource(group, name, e.target.value)}
                error={!!errorAt(`resources.${group}.${name}`)}
                helperText={errorAt(`resources.${group}.${name}`)}
                size="small"
                variant="outlined"
                fullWidth
              />
            </Grid>
          ))}
        </Grid>
      </Box>

      <Box mt={2}>
        <Typography variant="subtitle2" component="h3" gutterBottom>
          Environment
        </Typography>
        {envKeys.map((key, index) => {
          const value = env[key];
          const source = sourceOf(value);
          const reference = referenceOf(value);
          const nudge =
            source === 'value' && looksLikeSecretName(key)
              ? `${key} looks like a secret: read it from a Secret instead of writing it here`
              : undefined;
          return (
            <Grid
              container
              spacing={1}
              key={index}
              alignItems="flex-start"
              role="group"
              aria-label={`Env var ${key}`}
            >
              <Grid item xs={3}>
                <TextField
                  id={fieldId(`env.${index}.name`)}
                  label="Name"
                  value={key}
                  onChange={e => replaceEnv(index, e.target.value, value)}
                  error={!!errorAt(`env.${key}`)}
                  helperText={errorAt(`env.${key}`)}
                  size="small"
                  variant="outlined"
                  fullWidth
                />
              </Grid>
              <Grid item xs={2}>
                <TextField
                  id={fieldId(`env.${index}.from`)}
                  select
                  label="From"
                  value={source}
                  onChange={e =>
                    replaceEnv(
                      index,
                      key,
                      withSource(
                        e.target.value as EnvSource,
                        reference.name,
                        reference.key,
                        '',
                      ),
                    )
                  }
                  size="small"
                  variant="outlined"
                  fullWidth
                >
                  <MenuItem value="value">Value</MenuItem>
                  <MenuItem value="secret">Secret</MenuItem>
                  <MenuItem value="configMap">ConfigMap</MenuItem>
                </TextField>
              </Grid>
              {source === 'value' ? (
                <Grid item xs={6}>
                  <TextField
                    id={fieldId(`env.${index}.value`)}
                    label="Value"
                    value={typeof value === 'string' ? value : ''}
                    onChange={e => replaceEnv(index, key, e.target.value)}
                    helperText={nudge}
                    size="small"
                    variant="outlined"
                    fullWidth
                  />
                  {nudge && (
                    <Button
                      size="small"
                      onClick={() =>
                        replaceEnv(
                          index,
                          key,
                          withSource('secret', '', key.toLowerCase(), ''),
                        )
                      }
                    >
                      Use a Secret
                    </Button>
                  )}
                </Grid>
              ) : (
                <>
                  <Grid item xs={3}>
                    <TextField
                      id={fieldId(`env.${index}.object`)}
                      label={source === 'secret' ? 'Secret' : 'ConfigMap'}
                      value={reference.name}
                      onChange={e =>
                        replaceEnv(
                          index,
                          key,
                          withSource(source, e.target.value, reference.key, ''),
                        )
                      }
                      size="small"
                      variant="outlined"
                      fullWidth
                    />
                  </Grid>
                  <Grid item xs={3}>
                    <TextField
                      id={fieldId(`env.${index}.key`)}
                      label="Key"
                      value={reference.key}
                      onChange={e =>
                        replaceEnv(
                          index,
                          key,
                          withSource(
                            source,
                            reference.name,
                            e.target.value,
                            '',
                          ),
                        )
                      }
                      size="small"
                      variant="outlined"
                      fullWidth
                    />
                  </Grid>
                </>
              )}
              <Grid item xs={1}>
                <IconButton
                  aria-label={`Remove ${key}`}
                  size="small"
                  onClick={() =>
                    setEnv(
                      envKeys
                        .filter((_, i) => i !== index)
                        .map(k => [k, env[k]]),
                    )
                  }
                >
                  <DeleteIcon fontSize="small" />
                </IconButton>
              </Grid>
            </Grid>
          );
        })}
        <Button
          size="small"
          onClick={() => {
            let name = 'NEW_VAR';
            for (let n = 2; Object.hasOwn(env, name); n++)
              name = `NEW_VAR_${n}`;
            setEnv([
              ...envKeys.map(k => [k, env[k]] as [string, EnvValue]),
              [name, ''],
            ]);
          }}
        >
          Add variable
        </Button>
      </Box>

      {ports.length > 0 && (
        <Box mt={2}>
          <Typography variant="subtitle2" component="h3" gutterBottom>
            Ports
          </Typography>
          {ports.map((port, index) => (
            <Grid container spacing={1} key={index}>
              <Grid item xs={4}>
                <Typography variant="body2">
                  {port.name ? `${port.name} ` : ''}({port.port})
                </Typography>
              </Grid>
              <Grid item xs={8}>
                <TextField
                  id={fieldId(`ports.${index}.host`)}
                  label={`Exposed at host (${port.name ?? port.port})`}
                  value={port.expose?.host ?? ''}
                  onChange={e => setHost(index, e.target.value)}
                  error={!!errorAt(`ports[${index}].expose.host`)}
                  helperText={
                    errorAt(`ports[${index}].expose.host`) ??
                    'Empty: reachable inside the cluster only'
                  }
                  size="small"
                  variant="outlined"
                  fullWidth
                />
              </Grid>
            </Grid>
          ))}
        </Box>
      )}
    </Box>
  );
}
