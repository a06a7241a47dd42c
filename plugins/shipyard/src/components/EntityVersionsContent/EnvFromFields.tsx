import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import MenuItem from '@material-ui/core/MenuItem';
import Typography from '@material-ui/core/Typography';
import { SpecFormRow, SpecTextField } from './SpecFormRow';
import { listOf, setField, type SpecSectionProps } from './specFormFields';

type EnvFromKind = 'secret' | 'configMap';

function kindOf(source: Record<string, any>): EnvFromKind {
  return source.configMap !== undefined ? 'configMap' : 'secret';
}

/** The form's envFrom: whole Secrets and ConfigMaps read as env vars. */
export function EnvFromFields(props: SpecSectionProps) {
  const { spec, errorAt, onChange } = props;
  const sources = listOf(spec.envFrom);
  const setSources = (next: Array<Record<string, any>>) =>
    onChange(setField(spec, 'envFrom', next.length ? next : undefined));
  const replaceSource = (index: number, kind: EnvFromKind, name: string) => {
    const { secret: _s, configMap: _c, ...rest } = sources[index];
    setSources(
      sources.map((s, i) => (i === index ? { [kind]: name, ...rest } : s)),
    );
  };

  return (
    <Box mt={2}>
      <Typography variant="subtitle2" component="h3" gutterBottom>
        Env from Secrets and ConfigMaps
      </Typography>
      {sources.map((source, index) => {
        const at = `envFrom[${index}]`;
        const kind = kindOf(source);
        const name = typeof source[kind] === 'string' ? source[kind] : '';
        return (
          <SpecFormRow
            key={index}
            label={`Env from ${index + 1}`}
            removeLabel={`Remove env from ${index + 1}`}
            onRemove={() => setSources(sources.filter((_, i) => i !== index))}
          >
            <Grid item xs={4}>
              <SpecTextField
                id={`envFrom.${index}.kind`}
                select
                label="From"
                value={kind}
                onChange={text =>
                  replaceSource(index, text as EnvFromKind, name)
                }
                error={errorAt(at)}
              >
                <MenuItem value="secret">Secret</MenuItem>
                <MenuItem value="configMap">ConfigMap</MenuItem>
              </SpecTextField>
            </Grid>
            <Grid item xs={7}>
              <SpecTextField
                id={`envFrom.${index}.name`}
                label="Name"
                value={name}
                onChange={text => replaceSource(index, kind, text.trim())}
                error={errorAt(`${at}.${kind}`)}
              />
            </Grid>
          </SpecFormRow>
        );
      })}
      <Button
        size="small"
        onClick={() => setSources([...sources, { secret: '' }])}
      >
        Add Secret or ConfigMap
      </Button>
    </Box>
  );
}
