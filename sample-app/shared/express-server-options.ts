import { IncomingMessage, type ServerOptions, ServerResponse } from 'node:http';

/** The parts of an Express application this module uses: the prototypes it gives every request and response. */
export interface ExpressPrototypes {
  request: object;
  response: object;
}

/**
 * `http.createServer` options under which Node creates every request and response of `app` with the
 * prototypes Express gives them, so that Express' per-request `Object.setPrototypeOf(req, app.request)`
 * (and `res`) finds them in place and changes nothing.
 *
 * Two classes derive from Node's `IncomingMessage` and `ServerResponse`, their prototypes are chained
 * to Express' (`app.request`, `app.response`: every method and property Express adds stays where it
 * was) and become the app's `request` and `response`. Behaviour is unchanged; what goes is a prototype
 * change of two live objects per request, which in V8 (Node 20–24) makes node:http's own code run on
 * objects whose shape it did not see when they were built (most of Express' cost over node:http on a
 * route doing nothing) and keeps request objects alive across young-generation collections (promoted,
 * their copying lands in the latency tail). Meant for the application the server serves: one mounted
 * into another gets its prototypes re-chained by Express at mount time.
 */
export function expressServerOptions(app: ExpressPrototypes): ServerOptions {
  class ExpressRequest extends IncomingMessage {}
  class ExpressResponse extends ServerResponse {}
  Object.setPrototypeOf(ExpressRequest.prototype, app.request);
  Object.setPrototypeOf(ExpressResponse.prototype, app.response);
  app.request = ExpressRequest.prototype;
  app.response = ExpressResponse.prototype;
  return { IncomingMessage: ExpressRequest, ServerResponse: ExpressResponse as unknown as typeof ServerResponse };
}
