import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Grid from '@material-ui/core/Grid';
import MenuItem from '@material-ui/core/MenuItem';
import Typography from '@material-ui/core/Typography';
import { SpecFormRow, SpecTextField } from './SpecFormRow';
import { listOf, setField, type SpecSectionProps } from './specFormFields';

const SOURCES = [
  ['secret', 'Secret'],
  ['configMap', 'ConfigMap'],
  ['persistentVolumeClaim', 'PersistentVolumeClaim'],
  ['emptyDir', 'emptyDir'],
] as const;

type MountSource = (typeof SOURCES)[number][0];

function sourceOf(mount: Record<string, any>): MountSource {
  return SOURCES.find(([key]) => mount[key] !== undefined)?.[0] ?? 'emptyDir';
}

/** Secret and ConfigMap volumes are read-only whatever a mount says. */
function alwaysReadOnly(source: MountSource): boolean {
  return source === 'secret' || source === 'configMap';
}

/** `mount` reading from `source`; a name carries over between named sources. */
function withSource(
  mount: Record<string, any>,
  source: MountSource,
): Record<string, any> {
  const from = sourceOf(mount);
  const name = from === 'emptyDir' ? '' : mount[from] ?? '';
  const readOnly = alwaysReadOnly(source) ? undefined : mount.readOnly;
  return {
    path: mount.path,
    [source]: source === 'emptyDir' ? {} : name,
    ...(readOnly === undefined ? {} : { readOnly }),
  };
}

function newMount(mounts: Array<Record<string, any>>): Record<string, any> {
  const paths = new Set(mounts.map(mount => mount.path));
  let path = '/mnt/data';
  for (let n = 2; paths.has(path); n++) path = `/mnt/data-${n}`;
  return { path, emptyDir: {} };
}

/** The form's mounts: a path, what is mounted there (Secret, ConfigMap, PersistentVolumeClaim or emptyDir) and whether it is read-only. */
export function MountsFields(props: SpecSectionProps) {
  const { spec, errorAt, onChange } = props;
  const mounts = listOf(spec.mounts);
  const setMounts = (next: Array<Record<string, any>>) =>
    onChange(setField(spec, 'mounts', next.length ? next : undefined));
  const replaceMount = (index: number, mount: Record<string, any>) =>
    setMounts(mounts.map((m, i) => (i === index ? mount : m)));

  return (
    <Box mt={2}>
      <Typography variant="subtitle2" component="h3" gutterBottom>
        Mounts
      </Typography>
      {mounts.map((mount, index) => {
        const at = `mounts[${index}]`;
        const source = sourceOf(mount);
        return (
          <SpecFormRow
            key={index}
            label={`Mount ${index + 1}`}
            removeLabel={`Remove mount ${index + 1}`}
            onRemove={() => setMounts(mounts.filter((_, i) => i !== index))}
          >
            <Grid item xs={3}>
              <SpecTextField
                id={`mounts.${index}.path`}
                label="Path"
                value={mount.path ?? ''}
                onChange={path => replaceMount(index, { ...mount, path })}
                error={errorAt(`${at}.path`)}
              />
            </Grid>
            <Grid item xs={3}>
              <SpecTextField
                id={`mounts.${index}.source`}
                select
                label="Source"
                value={source}
                onChange={text =>
                  replaceMount(index, withSource(mount, text as MountSource))
                }
                error={errorAt(at)}
              >
                {SOURCES.map(([key, label]) => (
                  <MenuItem key={key} value={key}>
                    {label}
                  </MenuItem>
                ))}
              </SpecTextField>
            </Grid>
            <Grid item xs={3}>
              {source === 'emptyDir' ? (
                <SpecTextField
                  id={`mounts.${index}.sizeLimit`}
                  label="Size limit"
                  value={mount.emptyDir?.sizeLimit ?? ''}
                  onChange={text =>
                    replaceMount(index, {
                      ...mount,
                      emptyDir: setField(
                        mount.emptyDir ?? {},
                        'sizeLimit',
                        text.trim() || undefined,
                      ),
                    })
                  }
                  error={errorAt(`${at}.emptyDir.sizeLimit`)}
                  hint="Empty: no limit"
                />
              ) : (
                <SpecTextField
                  id={`mounts.${index}.name`}
                  label="Name"
                  value={typeof mount[source] === 'string' ? mount[source] : ''}
                  onChange={text =>
                    replaceMount(index, { ...mount, [source]: text.trim() })
                  }
                  error={errorAt(`${at}.${source}`)}
                />
              )}
            </Grid>
            <Grid item xs={2}>
              <FormControlLabel
                label="Read-only"
                control={
                  <Checkbox
                    size="small"
                    checked={alwaysReadOnly(source) || mount.readOnly === true}
                    disabled={alwaysReadOnly(source)}
                    onChange={e =>
                      replaceMount(
                        index,
                        setField(
                          mount,
                          'readOnly',
                          e.target.checked ? true : undefined,
                        ),
                      )
                    }
                  />
                }
              />
              {errorAt(`${at}.readOnly`) && (
                <Typography variant="caption" color="error">
                  {errorAt(`${at}.readOnly`)}
                </Typography>
              )}
            </Grid>
          </SpecFormRow>
        );
      })}
      <Button
        size="small"
        onClick={() => setMounts([...mounts, newMount(mounts)])}
      >
        Add mount
      </Button>
    </Box>
  );
}
