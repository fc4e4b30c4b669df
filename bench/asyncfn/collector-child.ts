import { createSocket } from 'node:dgram';
import { monoMs } from '../lib/clock.js';
import { serveParent } from '../lib/child.js';

/*
 * Bench child: the completion collector. Each bench function sends one UDP datagram (its task id)
 * when an attempt succeeds; this records when it arrived (monotonic, comparable with the load
 * generator's timestamps) and hands the arrivals over on request.
 */

const socket = createSocket('udp4');
// Bursts of thousands of datagrams must not be dropped by a small receive buffer.
const RECV_BUFFER = 8 * 1024 * 1024;
let arrivals: Array<[string, number]> = [];
const seen = new Set<string>();
let duplicates = 0;

socket.on('message', (msg) => {
  const t = monoMs();
  const id = msg.toString('utf8');
  if (seen.has(id)) {
    duplicates += 1;
    return;
  }
  seen.add(id);
  arrivals.push([id, t]);
});

await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
try {
  socket.setRecvBufferSize(RECV_BUFFER);
} catch {
  // Capped by net.core.rmem_max: the default still holds a few thousand datagrams.
}

serveParent({
  port: () => socket.address().port,
  take() {
    const out = arrivals;
    arrivals = [];
    return { arrivals: out, duplicates };
  },
});
