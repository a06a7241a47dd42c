import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// Material Table renders slowly in jsdom; give findBy* queries room on a busy CI machine.
configure({ asyncUtilTimeout: 5000 });
jest.setTimeout(30_000);

// Permission checks ask the app's permission API, which component tests do
// not have: everything is allowed unless a test says otherwise.
jest.mock('./hooks/useWorkspacePermission', () => ({
  useWorkspacePermission: jest.fn(() => ({ allowed: true, loading: false })),
}));

afterEach(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { useWorkspacePermission } = require('./hooks/useWorkspacePermission');
  (useWorkspacePermission as jest.Mock).mockImplementation(() => ({
    allowed: true,
    loading: false,
  }));
});

// jsdom has no layout: CodeMirror measures text through Range rects, which jsdom lacks.
if (!Range.prototype.getClientRects) {
  Range.prototype.getClientRects = () =>
    Object.assign([], { item: () => null }) as unknown as DOMRectList;
  Range.prototype.getBoundingClientRect = () => new DOMRect();
}
