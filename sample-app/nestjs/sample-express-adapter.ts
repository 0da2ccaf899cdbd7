import { createServer } from 'node:http';
import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { expressServerOptions } from '../shared/express-server-options.js';

/**
 * Nest's Express platform with the HTTP server created under `expressServerOptions` (requests and
 * responses born with Express' prototypes, so Express does not swap them per request). HTTPS, the
 * 503-on-closing and the force-close options take Nest's own path unchanged.
 */
export class SampleExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    if (options?.httpsOptions !== undefined || options?.return503OnClosing === true || options?.forceCloseConnections === true) {
      super.initHttpServer(options);
      return;
    }
    const app = this.getInstance();
    this.setHttpServer(createServer(expressServerOptions(app), app));
  }
}
