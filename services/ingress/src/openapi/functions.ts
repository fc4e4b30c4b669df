import { Type } from 'typebox';
import { AsyncConfigSchema, FunctionSchema, ListFunctionsOutputSchema, ref } from '@asyncfn/contracts';
import { deleted, FunctionParams, json, ok, PageQuery, query } from './common.js';

/* Route schemas: functions, their async config and their instances (FC 3.0). */

const Qualifier = query(['qualifier'], { qualifier: 'LATEST (default), a version id or an alias' });

export const functionSchemas = {
  create: {
    operationId: 'CreateFunction',
    description:
      "FC's CreateFunction. Runtimes: nodejs16/18/20/22, python3, python3.9, python3.10, python3.12 (native Python: handler(event, context), run on the executor's python3 unless ASYNCFN_PYTHON_BINARIES maps the runtime) and custom (custom.debian10/11/12): customRuntimeConfig.command is started with cwd = the code and must serve HTTP on $FC_SERVER_PORT (POST /invoke; hooks POST /initialize, /pre-freeze, /pre-stop). Extension: code.localDirectory (an absolute path inside ASYNCFN_LOCAL_CODE_ROOTS on the server) instead of code.zipFile runs the directory in place, for development.",
    body: json(
      'CreateFunctionInput: functionName, runtime, handler, code {zipFile (base64) | localDirectory}, …',
    ),
    response: ok(ref(FunctionSchema)),
  },
  list: {
    operationId: 'ListFunctions',
    querystring: PageQuery,
    response: ok(ref(ListFunctionsOutputSchema)),
  },
  get: { operationId: 'GetFunction', params: FunctionParams, response: ok(ref(FunctionSchema)) },
  update: {
    operationId: 'UpdateFunction',
    params: FunctionParams,
    body: json('UpdateFunctionInput: the fields to change'),
    response: ok(ref(FunctionSchema)),
  },
  delete: { operationId: 'DeleteFunction', params: FunctionParams, response: deleted },
};

export const asyncConfigSchemas = {
  put: {
    operationId: 'PutAsyncInvokeConfig',
    description: 'Replaces the whole config (as FC) and answers the stored one.',
    params: FunctionParams,
    querystring: Qualifier,
    body: json(
      'PutAsyncInvokeConfigInput: asyncTask, maxAsyncEventAgeInSeconds, maxAsyncRetryAttempts, destinationConfig',
    ),
    response: ok(ref(AsyncConfigSchema)),
  },
  get: {
    operationId: 'GetAsyncInvokeConfig',
    params: FunctionParams,
    querystring: Qualifier,
    response: ok(ref(AsyncConfigSchema)),
  },
  delete: {
    operationId: 'DeleteAsyncInvokeConfig',
    params: FunctionParams,
    querystring: Qualifier,
    response: deleted,
  },
  list: {
    operationId: 'ListAsyncInvokeConfigs',
    querystring: query(['functionName', 'limit', 'nextToken']),
    response: ok(
      Type.Object({ configs: Type.Array(ref(AsyncConfigSchema)), nextToken: Type.Optional(Type.String()) }),
    ),
  },
};

const Instance = Type.Object({
  instanceId: Type.String(),
  status: Type.String(),
  createdTimeMs: Type.Integer(),
  destroyedTimeMs: Type.Optional(Type.Integer()),
  qualifier: Type.Optional(Type.String()),
  versionId: Type.Optional(Type.String()),
  inFlight: Type.Optional(Type.Integer({ description: 'extension' })),
  invocations: Type.Optional(Type.Integer({ description: 'extension' })),
});

export const instanceSchemas = {
  list: {
    operationId: 'ListInstances',
    description:
      "FC's ListInstances: the function's instances as executors last recorded them (on each status change and every 5 s). status: starting, initializing, busy, freezing (PreFreeze running), frozen (idle), stopping, destroyed (listed for about 30 s). versionId: the code+config version the instance runs. Extensions: inFlight, invocations.",
    params: FunctionParams,
    querystring: query(['instanceStatus', 'instanceIds', 'startTimeMs', 'endTimeMs', 'startKey', 'limit'], {
      instanceStatus: 'JSON array or comma list of statuses',
      instanceIds: 'JSON array or comma list of instance ids',
      startTimeMs: 'created at or after (epoch ms)',
      endTimeMs: 'created at or before (epoch ms)',
      startKey: 'first instance id listed (listed by id)',
      limit: 'at most this many (1-1000); all if absent',
    }),
    response: ok(Type.Object({ instances: Type.Array(Instance), requestId: Type.String() })),
  },
};
