// Entry point of one Node.js function instance, forked by instance-pool.ts with cwd = the code
// dir. Plain JavaScript on purpose: it runs under bare `node` (no tsx, no build step), so keep it
// tiny — everything that can live in the parent does. Message shapes: see protocol.ts.
/* global AbortController, DOMException -- Node globals; the lint config only knows TS files' env */
import { Buffer } from 'node:buffer';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { preloadTracing, traced } from './function-tracing.mjs'; // the handler's span (function-tracing.mjs)

/** @type {Map<string, AbortController>} in-flight invocations, by request id */
const inFlight = new Map();
let handler;
let preStop;
let preFreeze;
let fn = { name: '', handler: '', memory: 0, timeout: 0 };
let instanceTenant = ''; // for preStop's context, which has no invocation of its own

// A send after the parent went away would emit an unhandled 'error'; there is no one to tell.
const send = (msg) => process.connected && process.send(msg);

// Output is attributed to an invocation only until its answer arrives, and stdout/stderr are pipes
// the parent reads apart from the IPC channel. So an answer follows a mark line on each stream
// written to since the last mark (the parent settles once it has read them: protocol.ts
// OutputMarks), and waits until queued output reaches the pipe (an empty write calls back after
// the queue). A function that prints nothing costs no mark.
const OUTPUT_MARK_PREFIX = '\u0000asyncfn-mark '; // as protocol.ts
const outputStreams = { stdout: process.stdout, stderr: process.stderr };
const written = { stdout: false, stderr: false };
let lastMark = 0;
for (const [name, stream] of Object.entries(outputStreams)) {
  const write = stream.write;
  stream.write = function (...args) {
    if (args[0]?.length > 0) written[name] = true;
    return write.apply(this, args);
  };
}

async function sendAfterOutput(msg) {
  const marks = {};
  for (const [name, stream] of Object.entries(outputStreams)) {
    if (!written[name] || !stream.writable) continue;
    marks[name] = ++lastMark;
    stream.write(`${OUTPUT_MARK_PREFIX}${lastMark}\n`);
    written[name] = false;
  }
  const pending = Object.values(outputStreams).filter((s) => s.writableLength > 0);
  if (pending.length > 0) await Promise.all(pending.map((s) => new Promise((r) => s.write('', r))));
  send(Object.keys(marks).length > 0 ? { ...msg, marks } : msg);
}

// The parent is gone (crashed or killed): do not linger as an orphan.
process.on('disconnect', () => process.exit(0));

const namedError = (name, message) => Object.assign(new Error(message), { name });

// FC's functionError shape; anything thrown that is not an Error still gets a readable message.
function toFunctionError(e) {
  if (e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e)) {
    return { errorType: String(e.name || 'Error'), errorMessage: String(e.message) };
  }
  return { errorType: 'Error', errorMessage: typeof e === 'string' ? e : (safeJson(e) ?? String(e)) };
}

function safeJson(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return undefined;
  }
}

// Lines are prefixed "<time> <requestId> [LEVEL]" (FC's format); the parent attributes lines to
// invocations by that request id when several run at once, so every line of a message gets it.
function createLogger(requestId) {
  const write =
    (stream, level) =>
    (...args) => {
      const prefix = `${new Date().toISOString()} ${requestId} [${level}] `;
      stream.write(prefix + format(...args).replaceAll('\n', `\n${prefix}`) + '\n');
    };
  const out = process.stdout;
  const err = process.stderr;
  return {
    log: write(out, 'INFO'),
    info: write(out, 'INFO'),
    debug: write(out, 'DEBUG'),
    warn: write(err, 'WARN'),
    error: write(err, 'ERROR'),
  };
}

// "dir/file.export" → the exported function; file tried as .js, .mjs, .cjs (FC's lookup order).
async function loadExport(spec, what) {
  const dot = spec.lastIndexOf('.');
  if (dot <= 0 || dot === spec.length - 1) {
    throw namedError('HandlerNotFound', `Invalid ${what} '${spec}': expected '<file>.<export>'`);
  }
  const base = resolve(process.cwd(), spec.slice(0, dot));
  const name = spec.slice(dot + 1);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => existsSync(f));
  if (!file) {
    throw namedError(
      'HandlerNotFound',
      `Cannot find module '${spec.slice(0, dot)}' (.js, .mjs or .cjs) for ${what} '${spec}'`,
    );
  }
  const mod = await import(pathToFileURL(file).href);
  // CommonJS `module.exports = {...}` shapes the lexer cannot see are still on `default`.
  const found = typeof mod[name] === 'function' ? mod[name] : mod.default?.[name];
  if (typeof found !== 'function') {
    throw namedError(
      'HandlerNotFound',
      `${what} '${spec}' is not a function exported by ${spec.slice(0, dot)}`,
    );
  }
  return found;
}

// Async style f(...args) or callback style f(...args, callback) when the function declares the
// extra parameter (FC's rule). A promise settles once, so a second callback call is ignored.
function call(f, args) {
  if (f.length <= args.length) return Promise.resolve().then(() => f(...args));
  return new Promise((resolvePromise, reject) => {
    const returned = f(...args, (err, value) => (err != null ? reject(err) : resolvePromise(value)));
    if (returned && typeof returned.then === 'function') returned.then(undefined, reject);
  });
}

// FC result serialisation: bytes and strings as-is, anything else as JSON (undefined → empty).
function toBody(value) {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value);
  if (value === undefined) return new Uint8Array(0);
  return Buffer.from(JSON.stringify(value) ?? '');
}

function baseContext(requestId, tenant, traceparent, signal) {
  return { requestId, function: fn, tenant, traceparent, logger: createLogger(requestId), signal };
}

async function initialize(msg) {
  fn = msg.function;
  instanceTenant = msg.tenant;
  let stage = `Handler '${msg.handler}' could not be loaded`;
  try {
    handler = await loadExport(msg.handler, 'handler');
    if (msg.preStop) {
      stage = `PreStop '${msg.preStop}' could not be loaded`;
      preStop = await loadExport(msg.preStop, 'preStop');
    }
    if (msg.preFreeze) {
      stage = `PreFreeze '${msg.preFreeze}' could not be loaded`;
      preFreeze = await loadExport(msg.preFreeze, 'preFreeze');
    }
    if (msg.initializer) {
      stage = `Initializer '${msg.initializer}' could not be loaded`;
      const init = await loadExport(msg.initializer, 'initializer');
      stage = `Initializer '${msg.initializer}' failed`;
      const context = baseContext(msg.requestId, msg.tenant, msg.traceparent, new AbortController().signal);
      await call(init, [context]);
    }
    await sendAfterOutput({ type: 'initialized', requestId: msg.requestId });
  } catch (e) {
    const { errorType, errorMessage } = toFunctionError(e);
    logStack(msg.requestId, e);
    await sendAfterOutput({
      type: 'initError',
      requestId: msg.requestId,
      errorType,
      errorMessage: `${stage}: ${errorType}: ${errorMessage}`,
    });
  }
}

async function invoke(msg) {
  const controller = new AbortController();
  inFlight.set(msg.requestId, controller);
  const context = {
    ...baseContext(msg.requestId, msg.tenant, msg.traceparent, controller.signal),
    taskId: msg.taskId,
    attempt: msg.attempt,
  };
  const p = msg.payload;
  const event = Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  try {
    const body = toBody(await traced(msg, context, () => call(handler, [event, context])));
    await sendAfterOutput({ type: 'result', requestId: msg.requestId, body });
  } catch (e) {
    logStack(msg.requestId, e);
    await sendAfterOutput({ type: 'error', requestId: msg.requestId, ...toFunctionError(e) });
  } finally {
    inFlight.delete(msg.requestId);
  }
}

// preStop / preFreeze: `hook(context)` or `hook(context, callback)`; the parent bounds the time.
async function runHook(hook, msg, doneType) {
  let error;
  try {
    if (hook)
      await call(hook, [baseContext(msg.requestId, instanceTenant, undefined, new AbortController().signal)]);
  } catch (e) {
    logStack(msg.requestId, e);
    error = toFunctionError(e);
  }
  await sendAfterOutput({ type: doneType, requestId: msg.requestId, ...(error ? { error } : {}) });
}

// The stack goes to the logs (FC prints it too); the result only carries type and message.
function logStack(requestId, e) {
  createLogger(requestId).error(
    e instanceof Error ? (e.stack ?? e.message) : toFunctionError(e).errorMessage,
  );
}

process.on('message', (msg) => {
  switch (msg?.type) {
    case 'initialize':
      return void initialize(msg);
    case 'invoke':
      return void invoke(msg);
    case 'abort': {
      const name = msg.reason === 'timeout' ? 'TimeoutError' : 'AbortError';
      const text = msg.reason === 'timeout' ? 'Function timed out' : 'Invocation stopped';
      return void inFlight.get(msg.requestId)?.abort(new DOMException(text, name));
    }
    case 'preStop':
      return void runHook(preStop, msg, 'preStopDone');
    case 'preFreeze':
      return void runHook(preFreeze, msg, 'preFreezeDone');
  }
});

await preloadTracing(); // before `ready`: the start's budget pays for it (function-tracing.mjs)
send({ type: 'ready', pid: process.pid });
