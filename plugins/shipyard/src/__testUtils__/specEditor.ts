import { EditorView } from '@codemirror/view';
import userEvent from '@testing-library/user-event';

function viewOf(editor: HTMLElement): EditorView {
  const view = EditorView.findFromDOM(editor);
  if (!view) {
    throw new Error('Not a CodeMirror editor');
  }
  return view;
}

/** The text the CodeMirror spec editor holds, given its content element (the `Spec (YAML)` textbox). */
export function specEditorText(editor: HTMLElement): string {
  return viewOf(editor).state.doc.toString();
}

/** The text the editor has selected, e.g. after "Go to line". */
export function specEditorSelection(editor: HTMLElement): string {
  const { state } = viewOf(editor);
  return state.sliceDoc(state.selection.main.from, state.selection.main.to);
}

/** Empties the editor as a user does: select all, delete (CodeMirror's own key bindings). */
export async function clearSpecEditor(editor: HTMLElement) {
  await userEvent.click(editor);
  await userEvent.keyboard('{Control>}a{/Control}{Backspace}');
}
