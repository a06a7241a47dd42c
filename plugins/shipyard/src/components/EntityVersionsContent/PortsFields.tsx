import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { SpecFormRow, SpecTextField } from './SpecFormRow';
import {
  listOf,
  numberOrText,
  setField,
  type SpecSectionProps,
} from './specFormFields';

/** A port not yet in `ports`: a free name and number, so the new row is valid as added. */
function newPort(ports: Array<Record<string, any>>): Record<string, any> {
  const names = new Set(ports.map(port => port.name));
  const numbers = new Set(ports.map(port => port.port));
  let n = ports.length + 1;
  while (names.has(`port-${n}`)) n++;
  let number = 8080;
  while (numbers.has(number)) number++;
  return { name: `port-${n}`, port: number };
}

/** The form's ports: name, number and the host each is exposed at; added and removed. */
export function PortsFields(props: SpecSectionProps) {
  const { spec, errorAt, onChange } = props;
  const ports = listOf(spec.ports);
  const setPorts = (next: Array<Record<string, any>>) =>
    onChange(setField(spec, 'ports', next.length ? next : undefined));
  const setMember = (index: number, member: string, value: unknown) =>
    setPorts(
      ports.map((port, i) =>
        i === index ? setField(port, member, value) : port,
      ),
    );
  const setHost = (index: number, host: string) =>
    setMember(
      index,
      'expose',
      host.trim() ? { ...ports[index].expose, host: host.trim() } : undefined,
    );

  return (
    <Box mt={2}>
      <Typography variant="subtitle2" component="h3" gutterBottom>
        Ports
      </Typography>
      {ports.map((port, index) => {
        const label = String(port.name ?? port.port ?? index + 1);
        const at = `ports[${index}]`;
        return (
          <SpecFormRow
            key={index}
            label={`Port ${label}`}
            removeLabel={`Remove port ${label}`}
            onRemove={() => setPorts(ports.filter((_, i) => i !== index))}
          >
            <Grid item xs={3}>
              <SpecTextField
                id={`ports.${index}.name`}
                label="Name"
                value={port.name ?? ''}
                onChange={text =>
                  setMember(index, 'name', text.trim() || undefined)
                }
                error={errorAt(`${at}.name`)}
              />
            </Grid>
            <Grid item xs={2}>
              <SpecTextField
                id={`ports.${index}.port`}
                label="Port"
                value={port.port ?? ''}
                onChange={text => setMember(index, 'port', numberOrText(text))}
                error={errorAt(`${at}.port`)}
              />
            </Grid>
            <Grid item xs={6}>
              <SpecTextField
                id={`ports.${index}.host`}
                label={`Exposed at host (${label})`}
                value={port.expose?.host ?? ''}
                onChange={text => setHost(index, text)}
                error={errorAt(`${at}.expose.host`)}
                hint="Empty: reachable inside the cluster only"
              />
            </Grid>
          </SpecFormRow>
        );
      })}
      <Button size="small" onClick={() => setPorts([...ports, newPort(ports)])}>
        Add port
      </Button>
    </Box>
  );
}
