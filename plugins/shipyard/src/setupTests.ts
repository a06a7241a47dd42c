import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// Material Table renders slowly in jsdom; give findBy* queries room on a busy CI machine.
configure({ asyncUtilTimeout: 5000 });
jest.setTimeout(30_000);
