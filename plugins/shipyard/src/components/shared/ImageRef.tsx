import { Fragment } from 'react';

/**
 * An image reference, e.g. `ghcr.io/acme/payments:1.4.2`, split into the
 * registry, path, name, tag and digest: a narrow column breaks it between
 * those parts (after a `/`, before a `:` or `@`), never inside a tag such as
 * `1.4.2-rc-1`.
 */
export function imageParts(image: string): string[] {
  return image.split(/(?<=\/)|(?=[:@])/).filter(part => part !== '');
}

/** An image reference in monospace that wraps only between its parts. */
export function ImageRef(props: { image: string }) {
  const parts = imageParts(props.image);
  return (
    <code data-testid="image-ref" title={props.image}>
      {parts.map((part, index) => (
        <Fragment key={index}>
          {index > 0 && <wbr />}
          <span style={{ whiteSpace: 'nowrap' }}>{part}</span>
        </Fragment>
      ))}
    </code>
  );
}
