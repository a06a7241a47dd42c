export { EntityVersionsContent } from './EntityVersionsContent';
