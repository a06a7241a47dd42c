import Chip from '@material-ui/core/Chip';
import Tooltip from '@material-ui/core/Tooltip';
import type { VersionOrigin } from '@shipyard/backstage-plugin-common';

/** Describes where a version came from, e.g. `rollback of v5` or `promoted from staging v7`. */
export function originLabel(origin: VersionOrigin): string {
  switch (origin.type) {
    case 'rollback':
      if (origin.automatic) {
        return origin.version
          ? `automatic rollback to v${origin.version}`
          : 'automatic rollback';
      }
      return origin.version ? `rollback of v${origin.version}` : 'rollback';
    case 'promotion':
    case 'auto-promotion':
      return `${
        origin.type === 'auto-promotion' ? 'auto-promoted' : 'promoted'
      } from ${origin.workspace ?? 'another workspace'}${
        origin.version ? ` v${origin.version}` : ''
      }`;
    default:
      return origin.type;
  }
}

/** A small badge naming the origin of a version; an automatic rollback carries its reason as a tooltip. */
export function OriginBadge(props: { origin: VersionOrigin }) {
  const { origin } = props;
  const chip = (
    <Chip
      size="small"
      variant="outlined"
      label={originLabel(origin)}
      color={
        origin.type === 'rollback' && origin.automatic ? 'secondary' : 'default'
      }
    />
  );
  return origin.automatic ? (
    <Tooltip title={origin.automatic}>{chip}</Tooltip>
  ) : (
    chip
  );
}
