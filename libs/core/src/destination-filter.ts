import {
  TERMINAL_EVENT_TYPES,
  TaskEventType,
  type AsyncConfig,
  type FunctionRecord,
  type Names,
} from '@asyncfn/contracts';

/**
 * Above this many functions with destinations, the destination service takes every terminal event
 * (one filter subject per terminal type) rather than a filter list that long.
 */
export const MAX_FILTERED_FUNCTIONS = 250;

const namesDestination = (config: AsyncConfig | undefined) =>
  Boolean(
    config?.destinationConfig?.onSuccess?.destination || config?.destinationConfig?.onFailure?.destination,
  );

/** Whether any of the function's async configs (LATEST's or a qualifier's) names a destination. */
export function hasDestinations(fn: FunctionRecord): boolean {
  return (
    namesDestination(fn.asyncConfig) || Object.values(fn.qualifierAsyncConfigs ?? {}).some(namesDestination)
  );
}

/**
 * The subjects the destination service's consumer takes: the terminal events of the functions
 * that have destinations, so a task of any other function never reaches that service (a message
 * and an ack per task saved). With none, a subject nothing is published to; above
 * MAX_FILTERED_FUNCTIONS, every terminal event.
 */
export function destinationEventFilter(
  names: Names,
  functions: readonly { tenant: string; functionName: string }[],
): string[] {
  if (functions.length > MAX_FILTERED_FUNCTIONS) {
    return TERMINAL_EVENT_TYPES.map((type) => names.subjects.eventsOfType(type));
  }
  // No function is named '-' (names start with a letter or '_').
  if (functions.length === 0) return [names.subjects.event('-', '-', TaskEventType.TaskSucceeded)];
  return [...functions]
    .sort((a, b) => a.tenant.localeCompare(b.tenant) || a.functionName.localeCompare(b.functionName))
    .flatMap((fn) =>
      TERMINAL_EVENT_TYPES.map((type) => names.subjects.event(fn.tenant, fn.functionName, type)),
    );
}
