import { buildAcceptedTask } from '@asyncfn/core';

/** A task of function `fn` due now, as the ingress accepts it: for tests below the API. */
export const acceptedTask = (taskId: string) =>
  buildAcceptedTask(
    {
      tenant: 'default',
      functionName: 'fn',
      taskId,
      requestId: `r-${taskId}`,
      payload: 'cA==',
      delaySeconds: 0,
    },
    Date.now(),
  );
