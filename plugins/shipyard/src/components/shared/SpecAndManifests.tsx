import { CodeSnippet } from '@backstage/core-components';
import Tab from '@material-ui/core/Tab';
import Tabs from '@material-ui/core/Tabs';
import {
  stringifySpec,
  type VersionDetail,
} from '@shipyard/backstage-plugin-common';
import { useState } from 'react';
import { stringify } from 'yaml';

/** A version's spec as YAML, and the Kubernetes manifests it renders to, in two tabs. */
export function SpecAndManifests(props: {
  detail: VersionDetail;
  idPrefix?: string;
}) {
  const { detail } = props;
  const prefix = props.idPrefix ?? 'shipyard-spec';
  const [tab, setTab] = useState(0);
  return (
    <>
      <Tabs
        value={tab}
        onChange={(_, value) => setTab(value)}
        aria-label="Spec or rendered manifests"
        indicatorColor="primary"
      >
        <Tab
          label="Spec (YAML)"
          id={`${prefix}-tab-0`}
          aria-controls={`${prefix}-panel-0`}
        />
        <Tab
          label="Rendered manifests"
          id={`${prefix}-tab-1`}
          aria-controls={`${prefix}-panel-1`}
        />
      </Tabs>
      <div
        role="tabpanel"
        id={`${prefix}-panel-${tab}`}
        aria-labelledby={`${prefix}-tab-${tab}`}
      >
        {tab === 0 ? (
          <CodeSnippet
            text={stringifySpec(detail.spec)}
            language="yaml"
            showCopyCodeButton
            showLineNumbers
          />
        ) : (
          <CodeSnippet
            text={detail.manifests
              .map(manifest => stringify(manifest))
              .join('---\n')}
            language="yaml"
            showCopyCodeButton
          />
        )}
      </div>
    </>
  );
}
