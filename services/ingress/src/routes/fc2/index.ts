import type { FastifyInstance } from 'fastify';
import type { IngressDeps } from '../../deps.js';
import { fc2AsyncConfigRoutes } from './async-config.js';
import { fc2FunctionRoutes } from './functions.js';
import { fc2InvocationRoutes } from './invocations.js';
import { fc2ServiceRoutes } from './services.js';

/** FC 2.0's API (2021-04-06) for the task surface, translated to the 3.0 operations. */
export async function fc2Routes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  await fc2ServiceRoutes(app, deps);
  await fc2FunctionRoutes(app, deps);
  await fc2AsyncConfigRoutes(app, deps);
  await fc2InvocationRoutes(app, deps);
}
