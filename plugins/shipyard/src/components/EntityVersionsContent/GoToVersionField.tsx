import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import TextField from '@material-ui/core/TextField';
import { FormEvent, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { shipyardApiRef } from '../../api';
import { messageOf, statusCodeOf } from '../../api/errors';

/** `42`, `v42` or `V42` as a version number; undefined for anything else. */
function versionNumberOf(text: string): number | undefined {
  const match = /^v?(\d+)$/i.exec(text.trim());
  const number = match ? Number(match[1]) : NaN;
  return Number.isSafeInteger(number) && number >= 1 ? number : undefined;
}

/**
 * Opens the page of a version of the workspace by its number, so a version
 * thousands of pages deep is one step away; a number the workspace does not
 * have is an error beside the field, naming it.
 */
export function GoToVersionField(props: {
  entityRef: string;
  workspace: string;
  /** The workspace's newest version, to say how far its numbers go. */
  latestNumber?: number;
}) {
  const { entityRef, workspace, latestNumber } = props;
  const api = useApi(shipyardApiRef);
  const navigate = useNavigate();
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const [opening, setOpening] = useState(false);

  const go = async (event: FormEvent) => {
    event.preventDefault();
    const number = versionNumberOf(text);
    if (number === undefined) {
      setError(
        `Go to version: '${text.trim()}' is not a version number (e.g. 42 or v42)`,
      );
      return;
    }
    setError(undefined);
    setOpening(true);
    try {
      await api.getVersion(entityRef, workspace, number);
      setOpening(false);
      navigate(`${encodeURIComponent(workspace)}/${number}`, {
        relative: 'path',
      });
    } catch (e) {
      setOpening(false);
      if (statusCodeOf(e) !== 404) {
        setError(`Could not open v${number} of ${workspace}: ${messageOf(e)}`);
      } else if (latestNumber !== undefined && number > latestNumber) {
        setError(
          `v${number} does not exist in ${workspace}: its newest version is v${latestNumber}`,
        );
      } else {
        setError(
          `v${number} does not exist in ${workspace} (its retention may have removed it)`,
        );
      }
    }
  };

  return (
    <Box
      component="form"
      onSubmit={go}
      aria-label={`Go to a version of ${workspace}`}
      display="flex"
      alignItems="flex-start"
      style={{ gap: 8 }}
    >
      <TextField
        id={`shipyard-go-to-version-${workspace}`}
        size="small"
        variant="outlined"
        label="Go to version"
        placeholder={latestNumber ? `1–${latestNumber}` : 'e.g. 42'}
        value={text}
        onChange={e => {
          setText(e.target.value);
          setError(undefined);
        }}
        error={!!error}
        helperText={error}
        inputProps={{ inputMode: 'numeric', 'aria-invalid': !!error }}
        style={{ width: 260 }}
      />
      <Button
        type="submit"
        size="small"
        variant="outlined"
        disabled={opening || !text.trim()}
        style={{ marginTop: 6 }}
      >
        {opening ? 'Opening…' : 'Open'}
      </Button>
    </Box>
  );
}
