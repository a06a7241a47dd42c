export { EntityShipyardOverviewCard } from './EntityShipyardOverviewCard';
