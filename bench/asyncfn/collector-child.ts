import { createSocket } from 'node:dgram';
import { monoMs } from '../lib/clock.js';
import { ArrivalLog } from '../lib/arrivals.js';
import { serveParent } from '../lib/child.js';

/*
 * Bench child: the completion collector. Each bench function sends one UDP datagram (its task id)
 * when an attempt succeeds; this records when it arrived (monotonic, comparable with the load
 * generator's timestamps) and hands them over by task id prefix.
 */

const socket = createSocket('udp4');
// Bursts of thousands of datagrams must not be dropped by a small receive buffer.
const RECV_BUFFER = 8 * 1024 * 1024;
const log = new ArrivalLog();

socket.on('message', (msg) => {
  log.record(msg.toString('utf8'), monoMs());
});

await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
try {
  socket.setRecvBufferSize(RECV_BUFFER);
} catch {
  // Capped by net.core.rmem_max: the default still holds a few thousand datagrams.
}

serveParent({
  port: () => socket.address().port,
  take(prefix) {
    return { arrivals: log.take(String(prefix), monoMs()), duplicates: log.duplicates };
  },
});
