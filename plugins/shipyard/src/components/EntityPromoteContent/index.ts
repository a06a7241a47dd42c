export { EntityPromoteContent } from './EntityPromoteContent';
