import { describe, expect, it } from 'vitest';
import type { TaskDocument, TaskEvent } from '@asyncfn/contracts';
import { projectionChanges, type ProjectionBase } from './projection.js';
import { asyncTaskView } from './views.js';
import {
  applyFunctionUpdate,
  buildFunctionRecord,
  decodeZip,
  localDirectoryCode,
} from './function-record.js';
import { parseCreateFunction } from './validation.js';

const running: ProjectionBase = { status: 'Running', attempt: 1, version: 3, invokeCount: 1 };
const ev = (type: TaskEvent['type'], extra: object): TaskEvent =>
  ({
    v: 1,
    eventId: 'e1',
    taskId: 't1',
    tenant: 'acme',
    functionName: 'f',
    attempt: 1,
    timestamp: 5000,
    source: 'executor',
    type,
    ...extra,
  }) as TaskEvent;
const resources = { durationMs: 120, peakMemoryMB: 48, cpuTimeMs: 30 };

describe('resource figures', () => {
  it.each([
    ['TaskSucceeded', { returnPayload: 'ok', durationMs: 120, resources }],
    ['TaskFailed', { errorType: 'E', errorMessage: 'm', durationMs: 120, resources }],
    ['TaskStopped', { reason: 'stopped while running', instanceId: 'i1', resources }],
  ] as const)(
    'given a running task, when %s carries resources, then the projection and the view show them',
    (type, extra) => {
      const changes = projectionChanges(running, ev(type, extra), {
        status: type === 'TaskSucceeded' ? 'Succeeded' : type === 'TaskFailed' ? 'Failed' : 'Stopped',
        attempt: 1,
      });
      expect(changes.resources).toEqual(resources);
      const doc = {
        ...changes,
        startedTime: 1000,
        dueAt: 1000,
        alreadyRetriedTimes: 0,
        invokeCount: 1,
      } as TaskDocument;
      expect(asyncTaskView(doc, { includePayload: false }).resources).toEqual(resources);
    },
  );

  it('given an event without resources, then the previous figures are left alone', () => {
    const changes = projectionChanges(running, ev('TaskStopped', { reason: 'stopped before it ran' }), {
      status: 'Stopped',
      attempt: 1,
    });
    expect(changes).not.toHaveProperty('resources');
  });
});

describe('code from a local directory', () => {
  const now = new Date('2025-01-01T00:00:00Z');
  const input = parseCreateFunction({
    functionName: 'dev',
    runtime: 'nodejs20',
    handler: 'index.handler',
    code: { localDirectory: '/srv/dev' },
  });

  it('is recorded with its path and a checksum of the path', () => {
    const record = buildFunctionRecord('acme', input, localDirectoryCode('/srv/dev'), {
      now,
      functionId: 'id',
    });
    expect(record).toMatchObject({ localDirectory: '/srv/dev', codeSize: 0 });
    expect(record.codeChecksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is replaced by a zip on update, and the other way round', () => {
    const local = buildFunctionRecord('acme', input, localDirectoryCode('/srv/dev'), {
      now,
      functionId: 'id',
    });
    const zip = decodeZip(Buffer.from('PK\x05\x06' + '\0'.repeat(18), 'binary').toString('base64'));
    const zipped = applyFunctionUpdate(local, {}, zip, now);
    expect(zipped).not.toHaveProperty('localDirectory');
    expect(zipped.codeChecksum).toBe(zip.checksum);
    expect(applyFunctionUpdate(zipped, {}, localDirectoryCode('/srv/other'), now).localDirectory).toBe(
      '/srv/other',
    );
    expect(applyFunctionUpdate(local, { description: 'x' }, undefined, now).localDirectory).toBe('/srv/dev');
  });

  it.each([
    [{ localDirectory: 'relative/dir' }, /absolute path/],
    [{ localDirectory: '/srv/dev', zipFile: 'UEsFBg==' }, /not both/],
    [{}, /code\.zipFile: required/],
  ])('rejects code %j', (code, message) => {
    expect(() =>
      parseCreateFunction({ functionName: 'dev', runtime: 'nodejs20', handler: 'index.handler', code }),
    ).toThrow(message);
  });
});
