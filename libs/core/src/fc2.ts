import type { AsyncConfig, AsyncTaskView, Fc2ServiceRecord, FunctionRecord } from '@asyncfn/contracts';
import { ApiError } from '@asyncfn/contracts';
import { FUNCTION_NAME } from './validation.js';

/*
 * FC 2.0 (API version 2021-04-06) on top of the 3.0 model: pure translations of names, request
 * bodies and views. A 2.0 function <service>/<function> is the 3.0 function
 * `fc2_<length of service>_<service>_<function>`: the length makes the pair recoverable from the
 * name whatever `_` and `-` the two names hold, and 3.0 CreateFunction refuses names of that form,
 * so no 3.0 function can take a 2.0 function's name. The mapped name must fit 3.0's 128 characters.
 */

export const FC2_API = '/2021-04-06';
const RESERVED = /^fc2_(\d{1,3})_/;
/** FC 2.0's service names: letters, digits, _ and -, not starting with a digit or -, 1-128. */
export const SERVICE_NAME = FUNCTION_NAME;

/** True for a name only the 2.0 API may create (3.0 CreateFunction refuses it). */
export const isFc2FunctionName = (name: string): boolean => RESERVED.test(name);

export function parseServiceName(value: string): string {
  // The 2.0 paths take `service[.qualifier]`; there are no versions or aliases here, so a
  // qualifier (LATEST or any other) names the one live service.
  const name = value.split('.')[0] ?? '';
  if (!SERVICE_NAME.test(name)) {
    throw new ApiError(
      'InvalidArgument',
      `serviceName: '${value.slice(0, 140)}' is not a valid service name`,
    );
  }
  return name;
}

/** The 3.0 function a 2.0 service/function pair is. */
export function fc2FunctionName(serviceName: string, functionName: string): string {
  if (!FUNCTION_NAME.test(functionName)) {
    throw new ApiError(
      'InvalidArgument',
      `functionName: '${functionName.slice(0, 140)}' is not a valid function name`,
    );
  }
  const name = `fc2_${serviceName.length}_${serviceName}_${functionName}`;
  if (name.length > 128) {
    throw new ApiError(
      'InvalidArgument',
      `serviceName and functionName: together at most ${128 - 6 - String(serviceName.length).length} characters here`,
    );
  }
  return name;
}

/** The prefix every 3.0 function of a 2.0 service starts with. */
export const fc2ServicePrefix = (serviceName: string): string => `fc2_${serviceName.length}_${serviceName}_`;

/** The 2.0 service/function pair a mapped 3.0 function name stands for, if it is one. */
export function parseFc2FunctionName(
  name: string,
): { serviceName: string; functionName: string } | undefined {
  const match = RESERVED.exec(name);
  if (!match) return undefined;
  const length = Number(match[1]);
  const rest = name.slice(match[0].length);
  if (rest.length < length + 2 || rest[length] !== '_') return undefined;
  return { serviceName: rest.slice(0, length), functionName: rest.slice(length + 1) };
}

/* ------------------------------------------------------------------ services */

const SERVICE_SETTINGS = [
  'role',
  'logConfig',
  'vpcConfig',
  'nasConfig',
  'ossMountConfig',
  'tracingConfig',
  'internetAccess',
] as const;

export function buildFc2Service(
  tenant: string,
  body: unknown,
  context: { now: Date; serviceId: string },
): Fc2ServiceRecord {
  const input = asObject(body);
  const serviceName = typeof input.serviceName === 'string' ? input.serviceName : '';
  if (!SERVICE_NAME.test(serviceName)) {
    throw new ApiError(
      'InvalidArgument',
      'serviceName: letters, digits, _ and -, 1-128, not starting with a digit or -',
    );
  }
  const iso = context.now.toISOString();
  return {
    tenant,
    serviceName,
    serviceId: context.serviceId,
    description: describe(input.description),
    settings: pick(input, SERVICE_SETTINGS),
    createdTime: iso,
    lastModifiedTime: iso,
  };
}

export function updateFc2Service(current: Fc2ServiceRecord, body: unknown, now: Date): Fc2ServiceRecord {
  const input = asObject(body);
  return {
    ...current,
    ...(input.description !== undefined ? { description: describe(input.description) } : {}),
    settings: { ...current.settings, ...pick(input, SERVICE_SETTINGS) },
    lastModifiedTime: now.toISOString(),
  };
}

export function fc2ServiceView(record: Fc2ServiceRecord): Record<string, unknown> {
  return {
    serviceName: record.serviceName,
    serviceId: record.serviceId,
    description: record.description,
    ...record.settings,
    createdTime: record.createdTime,
    lastModifiedTime: record.lastModifiedTime,
  };
}

/* ----------------------------------------------------------------- functions */

/**
 * A 2.0 CreateFunction / UpdateFunction body as the 3.0 body it means: `initializer` and
 * `initializationTimeout` become instanceLifecycleConfig.initializer; the rest has the same names.
 * The result goes through 3.0's own validation.
 */
export function fc2FunctionBody(body: unknown, mappedName?: string): Record<string, unknown> {
  const input = asObject(body);
  const {
    functionName: _name,
    initializer,
    initializationTimeout,
    instanceLifecycleConfig,
    code,
    ...rest
  } = input;
  const lifecycle = { ...asObject(instanceLifecycleConfig ?? {}) };
  if (typeof initializer === 'string' && initializer !== '') {
    lifecycle.initializer = {
      handler: initializer,
      ...(typeof initializationTimeout === 'number' ? { timeout: initializationTimeout } : {}),
    };
  }
  const codeInput = code === undefined ? undefined : asObject(code);
  if (codeInput && (codeInput.ossBucketName !== undefined || codeInput.ossObjectName !== undefined)) {
    throw new ApiError(
      'InvalidArgument',
      'code: OSS code locations are not available here; send code.zipFile',
    );
  }
  return {
    ...rest,
    ...(mappedName !== undefined ? { functionName: mappedName } : {}),
    ...(Object.keys(lifecycle).length ? { instanceLifecycleConfig: lifecycle } : {}),
    ...(codeInput ? { code: codeInput } : {}),
  };
}

/** FC 2.0's Function shape for a mapped 3.0 function. */
export function fc2FunctionView(record: FunctionRecord, functionName: string): Record<string, unknown> {
  const { initializer, ...lifecycle } = record.instanceLifecycleConfig ?? {};
  return {
    functionId: record.functionId,
    functionName,
    description: record.description,
    runtime: record.runtime,
    handler: record.handler,
    timeout: record.timeout,
    memorySize: record.memorySize,
    instanceConcurrency: record.instanceConcurrency,
    environmentVariables: record.environmentVariables,
    codeChecksum: record.codeChecksum,
    codeSize: record.codeSize,
    ...(initializer?.handler
      ? {
          initializer: initializer.handler,
          ...(initializer.timeout !== undefined ? { initializationTimeout: initializer.timeout } : {}),
        }
      : {}),
    ...(Object.keys(lifecycle).length ? { instanceLifecycleConfig: lifecycle } : {}),
    ...(record.customRuntimeConfig ? { customRuntimeConfig: record.customRuntimeConfig } : {}),
    createdTime: record.createdTime,
    lastModifiedTime: record.lastModifiedTime,
  };
}

/* -------------------------------------------------------------- async config */

/** 2.0's PutFunctionAsyncInvokeConfig body as 3.0's: statefulInvocation is asyncTask. */
export function fc2AsyncConfigBody(body: unknown): Record<string, unknown> {
  const { statefulInvocation, ...rest } = asObject(body);
  return {
    ...rest,
    ...(statefulInvocation !== undefined ? { asyncTask: statefulInvocation } : {}),
  };
}

export function fc2AsyncConfigView(
  config: AsyncConfig,
  pair: { serviceName: string; functionName: string },
): Record<string, unknown> {
  return {
    service: pair.serviceName,
    function: pair.functionName,
    qualifier: 'LATEST',
    statefulInvocation: config.asyncTask,
    maxAsyncEventAgeInSeconds: config.maxAsyncEventAgeInSeconds,
    maxAsyncRetryAttempts: config.maxAsyncRetryAttempts,
    ...(config.destinationConfig ? { destinationConfig: config.destinationConfig } : {}),
    createdTime: config.createdTime,
    lastModifiedTime: config.lastModifiedTime,
  };
}

/* ----------------------------------------------------------------- tasks */

/** A task in 2.0's StatefulAsyncInvocation shape. */
export function statefulInvocationView(
  task: AsyncTaskView,
  pair: { serviceName: string; functionName: string },
): Record<string, unknown> {
  return {
    invocationId: task.taskId,
    serviceName: pair.serviceName,
    functionName: pair.functionName,
    qualifier: 'LATEST',
    status: task.status,
    requestId: task.requestId,
    startedTime: task.startedTime,
    ...(task.endTime !== undefined ? { endTime: task.endTime, durationMs: task.durationMs } : {}),
    alreadyRetriedTimes: task.alreadyRetriedTimes,
    ...(task.destinationStatus !== undefined ? { destinationStatus: task.destinationStatus } : {}),
    ...(task.instanceId !== undefined ? { instanceId: task.instanceId } : {}),
    ...(task.taskErrorMessage !== undefined ? { invocationErrorMessage: task.taskErrorMessage } : {}),
    ...(task.taskPayload !== undefined ? { invocationPayload: task.taskPayload } : {}),
    ...(task.returnPayload !== undefined ? { returnPayload: task.returnPayload } : {}),
    ...(task.events ? { events: task.events } : {}),
  };
}

/** 2.0's ListStatefulAsyncInvocations query as 3.0's ListAsyncTasks query. */
export function fc2ListInvocationsQuery(query: unknown): Record<string, unknown> {
  const { invocationIdPrefix, ...rest } = asObject(query);
  return { ...rest, ...(invocationIdPrefix !== undefined ? { prefix: invocationIdPrefix } : {}) };
}

/* ----------------------------------------------------------------- helpers */

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError('InvalidArgument', 'body: must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function describe(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string' || value.length > 256) {
    throw new ApiError('InvalidArgument', 'description: a string of at most 256 characters');
  }
  return value;
}

function pick(input: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => input[k] !== undefined).map((k) => [k, input[k]]));
}
