import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Grid from '@material-ui/core/Grid';
import MenuItem from '@material-ui/core/MenuItem';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import {
  looksLikeSecretName,
  type EnvValue,
  type SpecError,
} from '@shipyard/backstage-plugin-common';

import { EnvFromFields } from './EnvFromFields';
import { MountsFields } from './MountsFields';
import { PortsFields } from './PortsFields';
import { SpecFormRow, SpecTextField } from './SpecFormRow';
import {
  fieldId,
  numberOrText,
  setField,
  type DraftSpec,
} from './specFormFields';

export type { DraftSpec } from './specFormFields';

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
 * ConfigMap key), whole Secrets and ConfigMaps as env, ports with the host
 * each is exposed at, and mounts. It edits the same spec as the YAML beside
 * it; each field shows the schema's error for its path.
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

  return (
    <Box aria-label="Spec form" role="group">
      <Typography variant="subtitle2" component="h3" gutterBottom>
        Image
      </Typography>
      <Grid container spacing={1}>
        <Grid item xs={8}>
          <SpecTextField
            id="image.repository"
            label="Repository"
            value={image.repository}
            onChange={repository => setImage({ repository })}
            error={errorAt('image')}
          />
        </Grid>
        <Grid item xs={4}>
          <SpecTextField
            id="image.tag"
            label="Tag"
            value={image.tag}
            onChange={tag => setImage({ tag })}
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
                <SpecTextField
                  id={`autoscaling.${key}`}
                  label={
                    key === 'minReplicas' ? 'Min replicas' : 'Max replicas'
                  }
                  value={spec.autoscaling?.[key] ?? ''}
                  onChange={text =>
                    onChange(
                      setField(spec, 'autoscaling', {
                        ...spec.autoscaling,
                        [key]: numberOrText(text),
                      }),
                    )
                  }
                  error={errorAt(`autoscaling.${key}`)}
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
              <SpecTextField
                id={`resources.${group}.${name}`}
                label={label}
                value={resources[group]?.[name] ?? ''}
                onChange={text => setResource(group, name, text)}
                error={errorAt(`resources.${group}.${name}`)}
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
            <SpecFormRow
              key={index}
              label={`Env var ${key}`}
              removeLabel={`Remove ${key}`}
              onRemove={() =>
                setEnv(
                  envKeys.filter((_, i) => i !== index).map(k => [k, env[k]]),
                )
              }
            >
              <Grid item xs={3}>
                <SpecTextField
                  id={`env.${index}.name`}
                  label="Name"
                  value={key}
                  onChange={text => replaceEnv(index, text, value)}
                  error={errorAt(`env.${key}`)}
                />
              </Grid>
              <Grid item xs={2}>
                <SpecTextField
                  id={`env.${index}.from`}
                  select
                  label="From"
                  value={source}
                  onChange={text =>
                    replaceEnv(
                      index,
                      key,
                      withSource(
                        text as EnvSource,
                        reference.name,
                        reference.key,
                        '',
                      ),
                    )
                  }
                >
                  <MenuItem value="value">Value</MenuItem>
                  <MenuItem value="secret">Secret</MenuItem>
                  <MenuItem value="configMap">ConfigMap</MenuItem>
                </SpecTextField>
              </Grid>
              {source === 'value' ? (
                <Grid item xs={6}>
                  <SpecTextField
                    id={`env.${index}.value`}
                    label="Value"
                    value={typeof value === 'string' ? value : ''}
                    onChange={text => replaceEnv(index, key, text)}
                    hint={nudge}
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
                    <SpecTextField
                      id={`env.${index}.object`}
                      label={source === 'secret' ? 'Secret' : 'ConfigMap'}
                      value={reference.name}
                      onChange={text =>
                        replaceEnv(
                          index,
                          key,
                          withSource(source, text, reference.key, ''),
                        )
                      }
                    />
                  </Grid>
                  <Grid item xs={3}>
                    <SpecTextField
                      id={`env.${index}.key`}
                      label="Key"
                      value={reference.key}
                      onChange={text =>
                        replaceEnv(
                          index,
                          key,
                          withSource(source, reference.name, text, ''),
                        )
                      }
                    />
                  </Grid>
                </>
              )}
            </SpecFormRow>
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

      <EnvFromFields spec={spec} errorAt={errorAt} onChange={onChange} />
      <PortsFields spec={spec} errorAt={errorAt} onChange={onChange} />
      <MountsFields spec={spec} errorAt={errorAt} onChange={onChange} />
    </Box>
  );
}
