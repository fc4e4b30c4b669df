import { Type, type Static } from 'typebox';

/** A destination: nats:, kafka:, http(s)://, function: or an MNS queue ARN (see AsyncConfig). */
export const DestinationSchema = Type.Object({ destination: Type.String() });

export const DestinationConfigSchema = Type.Object(
  {
    onSuccess: Type.Optional(DestinationSchema),
    onFailure: Type.Optional(DestinationSchema),
    // Extension beyond FC; off by default so records arrive exactly in FC's format.
    cloudEvents: Type.Optional(
      Type.Boolean({
        description:
          'extension: deliver records wrapped as CloudEvents 1.0 (structured JSON, data = the record)',
      }),
    ),
  },
  {
    description:
      'onSuccess / onFailure: {destination: nats:<subject> | kafka:<topic> | http(s)://<url> | ' +
      'function:<name> | acs:mns:<region>:<account>:/queues/<queue>/messages (a local queue of the tenant, ' +
      'read with GET /2023-03-30/queues/{queueName}/messages)}. Extension: cloudEvents (boolean, default false) wraps each record as a ' +
      "CloudEvents 1.0 structured JSON event. Records follow FC's format: timestamp, " +
      'requestContext{requestId, functionArn, condition (Success | InvocationError | ' +
      'EventAgeExceeded | InvalidTask | Stopped), approximateInvokeCount}, requestPayload, ' +
      'responseContext{statusCode, functionError}, responsePayload. HTTP deliveries carry ' +
      'x-asyncfn-delivery-id, x-asyncfn-timestamp and x-asyncfn-signature: sha256=<hex ' +
      'HMAC-SHA256(secret, "<timestamp>.<body>")>.',
  },
);

/**
 * FC's AsyncConfig, as returned by GetAsyncInvokeConfig: what was put, nothing filled in (what is
 * left out follows ASYNC_CONFIG_DEFAULTS and, for asyncTask, the server's default task mode).
 */
export const AsyncConfigSchema = Type.Object(
  {
    asyncTask: Type.Optional(Type.Boolean()),
    maxAsyncEventAgeInSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 604800 })),
    maxAsyncRetryAttempts: Type.Optional(Type.Integer({ minimum: 0, maximum: 8 })),
    destinationConfig: Type.Optional(DestinationConfigSchema),
    functionArn: Type.String(),
    createdTime: Type.String(),
    lastModifiedTime: Type.String(),
  },
  { $id: 'AsyncConfig' },
);

export type Destination = Static<typeof DestinationSchema>;
export type DestinationConfig = Static<typeof DestinationConfigSchema>;
export type AsyncConfig = Static<typeof AsyncConfigSchema>;
