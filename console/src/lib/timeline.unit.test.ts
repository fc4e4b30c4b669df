import { describe, expect, it } from 'vitest';
import { formatDuration, timeInStates, timeline } from './timeline.js';

const ev = (status: string, timestamp: number, attempt = 1) => ({
  status,
  timestamp,
  attempt,
  eventDetail: status,
});

describe('timeline', () => {
  it('gives each state the time until the next event, and a terminal state none', () => {
    const rows = timeline([ev('Succeeded', 1500), ev('Enqueued', 1000, 0), ev('Running', 1100)], 9999);
    expect(rows.map((r) => [r.status, r.spentMs, r.current])).toEqual([
      ['Enqueued', 100, false],
      ['Running', 400, false],
      ['Succeeded', undefined, false],
    ]);
  });

  it('runs the current state of a live task up to now', () => {
    const rows = timeline([ev('Enqueued', 1000, 0), ev('Running', 1200)], 5200);
    expect(rows.at(-1)).toMatchObject({ status: 'Running', spentMs: 4000, current: true });
  });

  it('adds up a state met in several attempts', () => {
    const rows = timeline(
      [
        ev('Enqueued', 0, 0),
        ev('Running', 10),
        ev('Retrying', 110),
        ev('Running', 1110, 2),
        ev('Failed', 1310, 2),
      ],
      0,
    );
    expect(timeInStates(rows)).toEqual([
      { status: 'Enqueued', ms: 10 },
      { status: 'Running', ms: 300 },
      { status: 'Retrying', ms: 1000 },
    ]);
    expect(rows.map((r) => r.attempt)).toEqual([0, 1, 1, 2, 2]);
  });

  it('formats durations for people', () => {
    expect([
      formatDuration(12.4),
      formatDuration(1234),
      formatDuration(65_000),
      formatDuration(undefined),
    ]).toEqual(['12 ms', '1.23 s', '1 min 5 s', '—']);
  });
});
