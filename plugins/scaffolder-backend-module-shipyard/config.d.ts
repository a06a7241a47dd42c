export interface Config {
  shipyard?: {
    /** Shipyard's scaffolder actions. */
    scaffolder?: {
      /**
       * A local directory that a `file` catalog Location reads (with a glob),
       * for installations without a Git host such as the local demo. When set,
       * the module also adds `shipyard:catalog:register-local`, which writes a
       * scaffolded entity there and waits for the catalog to ingest it. Not
       * for production: it writes to the scaffolder's local file system.
       */
      localCatalog?: {
        /** The directory, absolute or relative to the backend's working directory. */
        directory: string;
        /** The Location entity whose glob covers the directory, refreshed after each write, e.g. `location:default/scaffolded-services`. */
        location: string;
      };
    };
  };
}
