/*
 * The events trigger runners hand to functions (the invocation payload, JSON), and how a
 * synchronous HTTP trigger maps a function's result to its HTTP response. Pure.
 *
 * Bodies and values travel as text when they are valid UTF-8, otherwise base64 with
 * `isBase64Encoded: true` (FC's rule for its HTTP trigger event), the same for every trigger type.
 */

export interface EncodedBody {
  body: string;
  isBase64Encoded: boolean;
}

/** UTF-8 text when the bytes decode and re-encode unchanged, else base64. */
export function encodeBody(bytes: Buffer): EncodedBody {
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes)
    ? { body: text, isBase64Encoded: false }
    : { body: bytes.toString('base64'), isBase64Encoded: true };
}

/** FC 3.0's HTTP trigger event ("request struct", version v1). */
export interface HttpTriggerEvent {
  version: 'v1';
  /** The path below the trigger's URL, as sent (percent-encoded); `/` at least. */
  rawPath: string;
  body: string;
  isBase64Encoded: boolean;
  /** Header names lower-case; repeated headers joined with ','. */
  headers: Record<string, string>;
  /** Repeated parameters joined with ','. */
  queryParameters: Record<string, string>;
  requestContext: {
    accountId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    /** ISO 8601 without fraction, UTC. */
    time: string;
    /** Epoch ms, as a string (FC's format). */
    timeEpoch: string;
  };
}

export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export function httpTriggerEvent(request: {
  method: string;
  /** The path below the trigger's URL, percent-encoded as received. */
  rawPath: string;
  /** The query string without `?`. */
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  protocol: string;
  sourceIp: string;
  requestId: string;
  accountId: string;
  domainName: string;
  /** The trigger id, as FC's domain prefix is. */
  domainPrefix: string;
  now: number;
}): HttpTriggerEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const queryParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(request.rawQuery)) {
    queryParameters[name] = name in queryParameters ? `${queryParameters[name]},${value}` : value;
  }
  const rawPath = request.rawPath.startsWith('/') ? request.rawPath : `/${request.rawPath}`;
  return {
    version: 'v1',
    rawPath,
    ...encodeBody(request.body),
    headers,
    queryParameters,
    requestContext: {
      accountId: request.accountId,
      domainName: request.domainName,
      domainPrefix: request.domainPrefix,
      http: {
        method: request.method,
        path: safeDecode(rawPath),
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: request.requestId,
      time: isoSeconds(request.now),
      timeEpoch: String(request.now),
    },
  };
}

export interface HttpTriggerResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * FC's response mapping for a synchronous HTTP trigger: a result that is a JSON object with an
 * integer `statusCode` is the response (`headers`, `body`, `isBase64Encoded`); anything else is
 * the body of a 200.
 */
export function httpTriggerResponse(result: Buffer): HttpTriggerResponse {
  const plain = { statusCode: 200, headers: {}, body: result };
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.toString('utf8'));
  } catch {
    return plain;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return plain;
  const r = parsed as Record<string, unknown>;
  const status = r.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return plain;
  const headers: Record<string, string> = {};
  if (typeof r.headers === 'object' && r.headers !== null) {
    for (const [name, value] of Object.entries(r.headers as Record<string, unknown>)) {
      if (typeof value === 'string' || typeof value === 'number') headers[name.toLowerCase()] = String(value);
    }
  }
  let body: Buffer;
  if (r.body === undefined || r.body === null) body = Buffer.alloc(0);
  else if (typeof r.body === 'string')
    body = Buffer.from(r.body, r.isBase64Encoded === true ? 'base64' : 'utf8');
  else body = Buffer.from(JSON.stringify(r.body));
  return { statusCode: status, headers, body };
}

/** The event of a Kafka trigger: one record. */
export interface KafkaTriggerEvent {
  topic: string;
  partition: number;
  /** As Kafka gives it: a decimal string (offsets exceed 2^53). */
  offset: string;
  /** Epoch ms, a decimal string. */
  timestamp: string;
  key: string | null;
  value: string | null;
  isBase64Encoded: boolean;
  headers: Record<string, string>;
}

/** One Kafka record as a trigger's consumer hands it over. */
export interface KafkaRecord {
  topic: string;
  partition: number;
  /** Decimal string: offsets exceed 2^53. */
  offset: string;
  /** Epoch ms, decimal string. */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  /** First value of each header, as UTF-8 text. */
  headers: Record<string, string>;
}

export function kafkaTriggerEvent(record: KafkaRecord): KafkaTriggerEvent {
  const value = record.value ? encodeBody(record.value) : undefined;
  const key = record.key ? encodeBody(record.key) : undefined;
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    // A binary key is rare; it travels as base64 without a flag of its own.
    key: key ? key.body : null,
    value: value ? value.body : null,
    isBase64Encoded: value?.isBase64Encoded ?? false,
    headers: record.headers,
  };
}

/** The event of a NATS trigger: one message (core NATS or JetStream). */
export interface NatsTriggerEvent {
  subject: string;
  body: string;
  isBase64Encoded: boolean;
  headers: Record<string, string>;
  /** JetStream only. */
  stream?: string;
  sequence?: number;
}

export function natsTriggerEvent(message: {
  subject: string;
  data: Uint8Array;
  headers: Record<string, string>;
  stream?: string;
  sequence?: number;
}): NatsTriggerEvent {
  return {
    subject: message.subject,
    ...encodeBody(Buffer.from(message.data)),
    headers: message.headers,
    ...(message.stream !== undefined ? { stream: message.stream } : {}),
    ...(message.sequence !== undefined ? { sequence: message.sequence } : {}),
  };
}

/** FC's timer trigger event. */
export interface TimerTriggerEvent {
  /** The scheduled time (not when it ran), ISO 8601 UTC without fraction. */
  triggerTime: string;
  triggerName: string;
  payload: string;
}

export function timerTriggerEvent(triggerName: string, scheduledAt: number, payload = ''): TimerTriggerEvent {
  return { triggerTime: isoSeconds(scheduledAt), triggerName, payload };
}
