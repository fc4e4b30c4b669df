import { spawned, type InstanceChannel, type OpenChannel } from './channel.js';
import { parseChildMessage, type ParentMessage } from './protocol.js';
import { spawnInstanceProcess } from './spawn-process.js';

/** A Node.js instance: `node-shim.mjs` forked with an IPC channel (see protocol.ts). */
export function nodeChannel(shimPath: string, execPath: string): OpenChannel {
  return async (o) => {
    const child = await spawned(
      spawnInstanceProcess({
        spec: o.spec,
        instanceId: o.instanceId,
        functionName: o.functionName,
        shimPath,
        execPath,
      }),
    );
    child.on('message', (raw) => {
      const msg = parseChildMessage(raw);
      if (msg) o.onMessage(msg);
    });
    const channel: InstanceChannel = {
      child,
      send(msg: ParentMessage) {
        if (!child.connected) return;
        // With a callback, a closed channel is reported there instead of as an 'error' event.
        child.send(msg, (err) => {
          if (err) o.logger?.debug({ err, instanceId: o.instanceId, type: msg.type }, 'runtime: send failed');
        });
      },
      kill() {
        try {
          child.kill('SIGKILL');
        } catch (err) {
          o.logger?.debug({ err, instanceId: o.instanceId }, 'runtime: kill failed');
        }
      },
      close() {},
    };
    return channel;
  };
}
