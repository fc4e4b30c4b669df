import type { FastifyInstance } from 'fastify';
import { Kvm } from '@nats-io/kv';
import type { InstanceRecord } from '@asyncfn/contracts';
import { notFound, parseFunctionName, parseListInstancesQuery, selectInstances } from '@asyncfn/core';
import { createInstanceDirectory } from '@asyncfn/nats';
import type { IngressDeps } from '../deps.js';
import { instanceSchemas } from '../openapi/functions.js';
import { API } from '../http.js';

type NameParams = { Params: { functionName: string } };

/**
 * FC's ListInstances: the function's instances on every executor, as the executors last recorded
 * them (on each status change and every 5 s; destroyed ones stay listed for about 30 s).
 * `instanceStatus` and `instanceIds` filter (JSON arrays, as the SDK sends them, or comma lists),
 * `startTimeMs`/`endTimeMs` bound the creation time; listed by id from `startKey`, at most `limit`.
 */
export async function instanceRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const directory = createInstanceDirectory(await new Kvm(deps.nc).open(deps.names.kv.instances));

  app.get<NameParams>(
    `${API}/functions/:functionName/instances`,
    { schema: instanceSchemas.list },
    async (request) => {
      const name = parseFunctionName(request.params.functionName);
      const query = parseListInstancesQuery(request.query);
      if (!(await deps.functions.get(request.tenant, name))) throw notFound.function(name);
      const records = await directory.list(request.tenant, name);
      return {
        instances: selectInstances(records, query).map(instanceView),
        requestId: request.id,
      };
    },
  );
}

/** FC's InstanceInfo, plus how busy the instance is (extension). */
function instanceView(r: InstanceRecord) {
  return {
    instanceId: r.instanceId,
    status: r.status,
    createdTimeMs: r.createdTimeMs,
    ...(r.destroyedTimeMs !== undefined ? { destroyedTimeMs: r.destroyedTimeMs } : {}),
    qualifier: r.qualifier,
    versionId: r.versionId,
    inFlight: r.inFlight,
    invocations: r.invocations,
  };
}
