/*
 * The 256-byte payloads every system gets. Byte 5 is the failure marker the bench function reads
 * ({"f":0 or {"f":1). Each group of GROUP_SIZE consecutive tasks of a phase carries its own tag,
 * so a group's payloads are identical and differ from every other group's: asyncfn's read model
 * can then find a group's tasks by equality on the payload, the kind of filter FerretDB hands
 * down to PostgreSQL. (A range on endTime is filtered by FerretDB itself after reading every
 * document of the function, which on each poll would load the very database being measured.)
 */

export const GROUP_SIZE = 200;

function payload(size: number, fail: boolean, tag: string): Buffer {
  const head = `{"f":${fail ? 1 : 0},"tag":"${tag}","pad":"`;
  const tail = '"}';
  const pad = Math.max(0, size - head.length - tail.length);
  return Buffer.from(head + 'x'.repeat(pad) + tail);
}

/** The payload of task `index` of a phase; the same Buffer for every task of its group. */
export function payloadsOf(size: number, phaseTag: string): (index: number, fail: boolean) => Buffer {
  const cache = new Map<string, Buffer>();
  return (index, fail) => {
    const key = `${Math.floor(index / GROUP_SIZE)}${fail ? 'f' : ''}`;
    let p = cache.get(key);
    if (!p) {
      p = payload(size, fail, `${phaseTag}g${key}`);
      cache.set(key, p);
    }
    return p;
  };
}
