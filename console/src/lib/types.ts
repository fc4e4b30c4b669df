/** The API's shapes the console reads (FC 3.0 models and asyncfn's extensions). */
export interface AsyncTaskEvent {
  status: string;
  timestamp: number;
  eventDetail?: string;
  attempt?: number;
  source?: string;
}

export interface AsyncTask {
  taskId: string;
  functionName?: string;
  status: string;
  startedTime: number;
  endTime?: number;
  durationMs?: number;
  taskPayload?: string;
  returnPayload?: string;
  taskErrorMessage?: string;
  alreadyRetriedTimes?: number;
  invokeCount?: number;
  instanceId?: string;
  rerunOf?: string;
  destinationStatus?: string;
  requestId?: string;
  resources?: { durationMs: number; peakMemoryMB?: number; cpuTimeMs?: number };
  events?: AsyncTaskEvent[];
}

export interface FunctionInfo {
  functionName: string;
  runtime: string;
  handler?: string;
  description?: string;
  timeout?: number;
  memorySize?: number;
  instanceConcurrency?: number;
  environmentVariables?: Record<string, string>;
  lastModifiedTime?: string;
  createdTime?: string;
  customRuntimeConfig?: { command?: string[] };
}

export interface AsyncConfig {
  maxAsyncRetryAttempts?: number;
  maxAsyncEventAgeInSeconds?: number;
  asyncTask?: boolean;
  destinationConfig?: {
    onSuccess?: { destination: string };
    onFailure?: { destination: string };
  };
}

/** One recorded change from the live feed (GET /async-task-events). */
export interface TaskChange {
  taskId: string;
  functionName: string;
  type: string;
  status: string;
  attempt: number;
  timestamp: number;
}

export const TERMINAL = ['Succeeded', 'Failed', 'Stopped', 'Expired', 'Invalid'] as const;
export const ALL_STATUSES = [
  'Enqueued',
  'Dequeued',
  'Running',
  'Retrying',
  'Stopping',
  'Succeeded',
  'Failed',
  'Stopped',
  'Expired',
  'Invalid',
] as const;
export const isTerminal = (status: string) => (TERMINAL as readonly string[]).includes(status);
