import type {
  AsyncTaskEventView,
  AsyncTaskView,
  FunctionRecord,
  TaskDocument,
  TaskEventDocument,
} from '@asyncfn/contracts';

/**
 * destinationStatus as FC shows it (its task-state words, as the SDK's AsyncTask example
 * "Succeeded"): stored values stay the delivery's own (pending, delivered, failed).
 */
const FC_DESTINATION_STATUS: Record<string, string> = {
  pending: 'Running',
  delivered: 'Succeeded',
  failed: 'Failed',
};

/** GetAsyncTask / ListAsyncTasks item, in FC's AsyncTask shape. */
export function asyncTaskView(
  doc: TaskDocument,
  options: { events?: TaskEventDocument[]; includePayload: boolean },
): AsyncTaskView {
  const view: AsyncTaskView = {
    taskId: doc.taskId,
    status: doc.status,
    requestId: doc.requestId,
    functionArn: doc.functionArn,
    qualifier: doc.qualifier ?? 'LATEST',
    resolvedVersion: doc.resolvedVersion ?? 'LATEST',
    startedTime: doc.startedTime,
    alreadyRetriedTimes: doc.alreadyRetriedTimes,
    invokeCount: doc.invokeCount,
  };
  if (doc.endTime !== undefined) {
    view.endTime = doc.endTime;
    view.durationMs = doc.endTime - doc.startedTime;
  }
  if (doc.returnPayload !== undefined) view.returnPayload = doc.returnPayload;
  if (doc.taskErrorMessage !== undefined) view.taskErrorMessage = doc.taskErrorMessage;
  if (doc.instanceId !== undefined) view.instanceId = doc.instanceId;
  if (doc.destinationStatus !== undefined)
    view.destinationStatus = FC_DESTINATION_STATUS[doc.destinationStatus] ?? doc.destinationStatus;
  if (doc.dueAt > doc.startedTime) view.dueTime = doc.dueAt;
  if (doc.rerunOf !== undefined) view.rerunOf = doc.rerunOf;
  if (doc.status === 'Retrying' && doc.retryAt !== undefined) view.nextRetryTime = doc.retryAt;
  if (doc.resources !== undefined) view.resources = doc.resources;
  if (options.includePayload) view.taskPayload = Buffer.from(doc.payload, 'base64').toString('utf8');
  if (options.events) view.events = options.events.map(eventView);
  return view;
}

export function eventView(doc: TaskEventDocument): AsyncTaskEventView {
  return {
    eventId: doc.seq,
    status: doc.status,
    timestamp: doc.timestamp,
    eventDetail: doc.detail,
    attempt: doc.attempt,
    source: doc.source,
  };
}

/** FC's Function shape (code itself is never returned). */
export function functionView(record: FunctionRecord): Record<string, unknown> {
  const {
    tenant: _tenant,
    asyncConfig: _async,
    versions: _versions,
    lastVersionId: _lastVersion,
    aliases: _aliases,
    reservedConcurrency: _reserved,
    invocationDisabled: _disabled,
    dispatchPaused: _paused,
    qualifierAsyncConfigs: _configs,
    ...rest
  } = record;
  return { ...rest, state: 'Active', lastUpdateStatus: 'Successful' };
}

/** Opaque page tokens: base64url of the sort key of the last item returned. */
export function encodePageToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodePageToken<T>(token: string, isValid: (v: unknown) => v is T): T | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return isValid(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
