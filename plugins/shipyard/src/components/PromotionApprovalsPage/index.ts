export { PromotionApprovalsPage } from './PromotionApprovalsPage';
