// The embedded servers ship no type declarations; these cover what we use.
declare module 'dynalite' {
  import type { Server } from 'node:http';
  export default function dynalite(options?: {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }): Server;
}

declare module 's3rver' {
  import type { IncomingMessage, Server, ServerResponse } from 'node:http';
  import type { AddressInfo } from 'node:net';
  export default class S3rver {
    constructor(options: {
      address?: string;
      port?: number;
      directory?: string;
      silent?: boolean;
      resetOnClose?: boolean;
      allowMismatchedSignatures?: boolean;
      configureBuckets?: { name: string; configs?: unknown[] }[];
    });
    run(): Promise<AddressInfo>;
    /** Its file store (`lib/stores/filesystem.js`), also on every request's context. */
    store: unknown;
    context: { store: unknown };
    /** The Koa app's request handler (what its server calls). */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    /** A new HTTP server for this instance, listening as `server.listen(...args)` would. */
    listen(...args: unknown[]): Promise<Server>;
    close(): Promise<void>;
  }
}
