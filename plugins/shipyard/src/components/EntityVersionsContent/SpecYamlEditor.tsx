import { StreamLanguage } from '@codemirror/language';
import { yaml } from '@codemirror/legacy-modes/mode/yaml';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import type { Text } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import Box from '@material-ui/core/Box';
import { makeStyles, useTheme } from '@material-ui/core/styles';
import type { SpecYamlError } from '@shipyard/backstage-plugin-common';
import CodeMirror, { type ReactCodeMirrorRef } from '@uiw/react-codemirror';
import {
  forwardRef,
  useEffect,
  useImperativeHandle,
  useMemo,
  useRef,
} from 'react';

const useStyles = makeStyles(theme => ({
  frame: {
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
    overflow: 'hidden',
    fontSize: 13,
  },
  invalid: {
    borderColor: theme.palette.error.main,
  },
}));

/** What the dialog asks of the editor: put the cursor on a line, e.g. the one a problem is on. */
export interface SpecYamlEditorHandle {
  goToLine(line: number): void;
}

/** The schema's problems as CodeMirror diagnostics, each on the text of its line (or from its column). */
function diagnosticsOf(doc: Text, errors: SpecYamlError[]): Diagnostic[] {
  return errors.map(error => {
    const line = doc.line(Math.min(Math.max(error.line, 1), doc.lines));
    const indent = line.text.length - line.text.trimStart().length;
    const from = error.column
      ? Math.min(line.from + error.column - 1, line.to)
      : line.from + indent;
    return {
      from,
      to: Math.max(from, line.to),
      severity: 'error',
      message: error.path ? `${error.path}: ${error.message}` : error.message,
    };
  });
}

/**
 * The spec's YAML in CodeMirror, as Backstage's template editor has it, with
 * the shared schema's problems marked at their line in the gutter and text.
 */
export const SpecYamlEditor = forwardRef<
  SpecYamlEditorHandle,
  {
    value: string;
    onChange: (text: string) => void;
    errors: SpecYamlError[];
    /** Where the problems are listed in words, for screen readers. */
    describedBy: string;
  }
>(function CodeMirrorSpecEditor(props, ref) {
  const { value, onChange, errors, describedBy } = props;
  const classes = useStyles();
  const theme = useTheme();
  const editor = useRef<ReactCodeMirrorRef>(null);
  const invalid = errors.length > 0;

  const extensions = useMemo(
    () => [
      StreamLanguage.define(yaml),
      lintGutter(),
      EditorView.contentAttributes.of({
        'aria-label': 'Spec (YAML)',
        'aria-describedby': describedBy,
        'aria-invalid': String(invalid),
      }),
    ],
    [describedBy, invalid],
  );

  // The errors come from the text the editor now holds: the library syncs `value` in its own effect, which runs first.
  useEffect(() => {
    const view = editor.current?.view;
    if (view) {
      view.dispatch(
        setDiagnostics(view.state, diagnosticsOf(view.state.doc, errors)),
      );
    }
  }, [errors, value]);

  useImperativeHandle(ref, () => ({
    goToLine(line: number) {
      const view = editor.current?.view;
      if (!view) {
        return;
      }
      const target = view.state.doc.line(
        Math.min(Math.max(line, 1), view.state.doc.lines),
      );
      view.dispatch({
        selection: { anchor: target.from, head: target.to },
        scrollIntoView: true,
      });
      view.focus();
    },
  }));

  return (
    <Box className={`${classes.frame} ${invalid ? classes.invalid : ''}`}>
      <CodeMirror
        ref={editor}
        value={value}
        onChange={onChange}
        extensions={extensions}
        theme={theme.palette.type === 'dark' ? 'dark' : 'light'}
        minHeight="27em"
        // Brackets and completions typed for you would change the spec behind the writer's back.
        basicSetup={{ closeBrackets: false, autocompletion: false }}
      />
    </Box>
  );
});
