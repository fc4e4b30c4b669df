/* The API's JSON shapes the CLI reads (FC's AsyncTask and Function models, and the extensions). */

export const TERMINAL_STATES = ['Succeeded', 'Failed', 'Stopped', 'Expired', 'Invalid'] as const;
export const isTerminalState = (status: string) => (TERMINAL_STATES as readonly string[]).includes(status);

export interface AsyncTaskEvent {
  eventId: number;
  status: string;
  timestamp: number;
  eventDetail?: string;
}

export interface AsyncTask {
  taskId: string;
  status: string;
  requestId?: string;
  functionArn?: string;
  startedTime: number;
  endTime?: number;
  durationMs?: number;
  alreadyRetriedTimes?: number;
  invokeCount?: number;
  returnPayload?: string;
  taskErrorMessage?: string;
  taskPayload?: string;
  instanceId?: string;
  destinationStatus?: string;
  dueTime?: number;
  rerunOf?: string;
  resources?: { durationMs?: number; peakMemoryMB?: number; cpuTimeMs?: number };
  events?: AsyncTaskEvent[];
}

/** A listed task with the function it belongs to (lists across functions need it). */
export type ListedTask = AsyncTask & { functionName: string };

export interface FunctionInfo {
  functionName: string;
  runtime: string;
  handler?: string;
  description?: string;
  memorySize?: number;
  timeout?: number;
  instanceConcurrency?: number;
  codeSize?: number;
  codeChecksum?: string;
  environmentVariables?: Record<string, string>;
  createdTime?: string;
  lastModifiedTime?: string;
  functionArn?: string;
}

export interface AsyncConfig {
  asyncTask?: boolean;
  maxAsyncEventAgeInSeconds?: number;
  maxAsyncRetryAttempts?: number;
  destinationConfig?: { onSuccess?: { destination?: string }; onFailure?: { destination?: string } };
}

export interface BulkOperation {
  operationId: string;
  action: 'Stop' | 'Rerun';
  filter: Record<string, unknown>;
  state: 'DryRun' | 'Running' | 'Completed' | 'Failed';
  matched: number;
  succeeded: number;
  failed: number;
  createdTime: number;
  lastError?: { taskId?: string; code: string; message: string };
}
