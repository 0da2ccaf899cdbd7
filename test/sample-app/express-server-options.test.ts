import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { expressServerOptions } from '../../sample-app/shared/express-server-options.js';

describe('expressServerOptions: requests and responses born with Express prototypes', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ sameRequestProto: boolean; sameResponseProto: boolean; nodeTypes: boolean; app: boolean }> = [];

  before(async () => {
    const app = express();
    app.disable('x-powered-by');
    const sub = express.Router();
    sub.get('/item/:id', (req, res) => {
      seen.push({
        sameRequestProto: Object.getPrototypeOf(req) === app.request,
        sameResponseProto: Object.getPrototypeOf(res) === app.response,
        nodeTypes: req instanceof IncomingMessage && res instanceof ServerResponse,
        app: req.app === app && res.app === app,
      });
      res.status(201).set('x-id', req.params.id).json({ id: req.params.id, q: req.query.q, host: req.get('host') !== undefined, locals: typeof res.locals });
    });
    app.use('/api', sub);
    app.use((_req: express.Request, res: express.Response) => {
      res.status(404).type('text').send('nope');
    });
    server = createServer(expressServerOptions(app), app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test("Express' request and response helpers behave as on a default server", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${base}/api/item/${i}?q=x`);
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('x-id'), String(i));
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(await res.json(), { id: String(i), q: 'x', host: true, locals: 'object' });
    }
    const missing = await fetch(`${base}/elsewhere`);
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), 'nope');
  });

  test("every request already has Express' prototypes, so Express changes none", () => {
    assert.ok(seen.length >= 3);
    for (const s of seen) assert.deepEqual(s, { sameRequestProto: true, sameResponseProto: true, nodeTypes: true, app: true });
  });
});
