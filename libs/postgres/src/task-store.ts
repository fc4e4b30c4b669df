import type pg from 'pg';
import {
  taskDocumentId,
  type Names,
  type ProjectionBaseDoc,
  type TaskDocument,
  historyEntriesByTask,
  type TaskHistoryEntry,
  type TaskQuery,
  type TaskStatus,
  type TaskStore,
} from '@asyncfn/contracts';
import { taskTable } from './task-table.js';

/*
 * The task read model on PostgreSQL. A batch of the status service's writes is two statements:
 * one INSERT of the new tasks and one guarded UPDATE of the others, each over a jsonb array of
 * rows. Through a MongoDB-wire layer the same batch costs four round trips per task (see
 * docs/performance.md, round 5).
 */

/** JSON as the document is kept: dates as epoch ms, undefined as null (as the MongoDB driver stores it). */
function toJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    if (raw instanceof Date) return raw.getTime();
    return v === undefined ? null : v;
  });
}

function fromRow(doc: Record<string, unknown>, history?: TaskHistoryEntry[]): TaskDocument {
  const task = { ...doc, expireAt: new Date(doc.expireAt as number) } as unknown as TaskDocument;
  if (history) task.history = history;
  return task;
}

/** A WHERE clause with its parameters, built up condition by condition. */
class Where {
  readonly params: unknown[] = [];
  private readonly conditions: string[] = [];
  /** `sql` uses `?` for the next parameter(s), in order. */
  add(sql: string, ...values: unknown[]): this {
    this.conditions.push(sql.replace(/\?/g, () => `$${this.params.push(values.shift())}`));
    return this;
  }
  param(value: unknown): string {
    return `$${this.params.push(value)}`;
  }
  toString(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}

function taskWhere(q: Parameters<TaskStore['count']>[0]): Where {
  const where = new Where().add('tenant = ?', q.tenant);
  if (q.functionName !== undefined) where.add('function_name = ?', q.functionName);
  if (q.prefix) where.add('starts_with(task_id, ?)', q.prefix);
  if (q.status) where.add('status = ?', q.status);
  if (q.statuses) where.add('status = ANY(?)', [...q.statuses]);
  if (q.qualifier !== undefined) {
    if (q.qualifier === 'LATEST') where.add('qualifier IS NULL');
    else where.add('qualifier = ?', q.qualifier);
  }
  if (q.startedTimeBegin !== undefined) where.add('started_time >= ?', q.startedTimeBegin);
  if (q.startedTimeEnd !== undefined) where.add('started_time <= ?', q.startedTimeEnd);
  return where;
}

type DocRow = { doc: Record<string, unknown> };

export function createPgTaskStore(pool: pg.Pool, names: Names): TaskStore {
  const table = taskTable(names);

  return {
    async get(tenant, taskId, options) {
      const columns = options?.withHistory ? 'doc, history' : 'doc';
      const { rows } = await pool.query<DocRow & { history?: TaskHistoryEntry[] }>(
        `SELECT ${columns} FROM ${table} WHERE id = $1`,
        [taskDocumentId(tenant, taskId)],
      );
      const row = rows[0];
      return row && fromRow(row.doc, row.history);
    },
    async history(doc) {
      const { tenant, taskId, expireAt, expireMinute } = doc;
      return (doc.history ?? []).map((entry) => ({ ...entry, tenant, taskId, expireAt, expireMinute }));
    },
    async list(q: TaskQuery) {
      const where = taskWhere(q);
      const dir = q.sortOrderByTime === 'asc' ? 'ASC' : 'DESC';
      if (q.after) {
        const beyond = q.sortOrderByTime === 'asc' ? '>' : '<';
        where.add(`(started_time, id) ${beyond} (?, ?)`, q.after.t, q.after.id);
      }
      const doc = q.includePayload ? 'doc' : `doc - 'payload' AS doc`;
      const { rows } = await pool.query<DocRow>(
        `SELECT ${doc} FROM ${table} ${where} ORDER BY started_time ${dir}, id ${dir} LIMIT ${where.param(q.limit)}`,
        where.params,
      );
      return rows.map((r) => fromRow(r.doc));
    },
    async count(q) {
      const where = taskWhere(q);
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table} ${where}`,
        where.params,
      );
      return rows[0]!.n;
    },
    async countByStatus(tenant, functionName) {
      const where = new Where().add('tenant = ?', tenant);
      if (functionName !== undefined) where.add('function_name = ?', functionName);
      const { rows } = await pool.query<{ status: TaskStatus; n: number }>(
        `SELECT status, count(*)::int AS n FROM ${table} ${where} GROUP BY status`,
        where.params,
      );
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
    async countEnqueuedAhead(tenant, functionName, dueAt, id) {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table}
          WHERE tenant = $1 AND function_name = $2 AND status = 'Enqueued' AND (due_at, id) < ($3, $4)`,
        [tenant, functionName, dueAt, id],
      );
      return rows[0]!.n;
    },
    async loadBases(ids) {
      const { rows } = await pool.query<ProjectionBaseDoc>(
        `SELECT id AS "_id", status, (doc->>'attempt')::float8 AS attempt, version,
                (doc->>'invokeCount')::float8 AS "invokeCount"
           FROM ${table} WHERE id = ANY($1)`,
        [ids],
      );
      return new Map(rows.map((r) => [r._id, r]));
    },
    async applyWrites(newEvents, inserts, writes) {
      const entries = historyEntriesByTask(newEvents);
      const conflicts: string[] = [];
      if (inserts.length > 0) {
        // A task that exists already was created by an earlier delivery of the same claim.
        const rows = inserts.map(({ history: _history, ...doc }) => ({
          id: doc._id,
          doc,
          history: entries.get(doc._id) ?? [],
        }));
        const { rows: created } = await pool.query<{ id: string }>(
          `INSERT INTO ${table} (id, doc, history)
           SELECT r.id, r.doc, r.history FROM jsonb_to_recordset($1::jsonb) AS r(id text, doc jsonb, history jsonb)
           ON CONFLICT (id) DO NOTHING RETURNING id`,
          [toJson(rows)],
        );
        const done = new Set(created.map((r) => r.id));
        conflicts.push(...rows.filter((r) => !done.has(r.id)).map((r) => r.id));
      }
      if (writes.length > 0) {
        // Applies only where the version is still the one the change was computed from.
        const rows = writes.map((w) => ({
          id: w.id,
          expected: w.expectedVersion,
          set: w.set,
          entries: entries.get(w.id) ?? [],
        }));
        const { rows: applied } = await pool.query<{ id: string }>(
          `UPDATE ${table} AS t SET doc = t.doc || w.set, history = t.history || w.entries
             FROM jsonb_to_recordset($1::jsonb) AS w(id text, expected float8, set jsonb, entries jsonb)
            WHERE t.id = w.id AND t.version = w.expected
           RETURNING t.id`,
          [toJson(rows)],
        );
        const done = new Set(applied.map((r) => r.id));
        conflicts.push(...writes.filter((w) => !done.has(w.id)).map((w) => w.id));
      }
      return { conflicts };
    },
    async findEnqueued(olderThan, limit, after) {
      const where = new Where().add(`status = 'Enqueued'`).add('started_time < ?', olderThan);
      if (after) where.add('(started_time, id) > (?, ?)', after.t, after.id);
      const { rows } = await pool.query<DocRow>(
        `SELECT doc FROM ${table} ${where} ORDER BY started_time, id LIMIT ${where.param(limit)}`,
        where.params,
      );
      const tasks = rows.map((r) => fromRow(r.doc));
      const last = tasks.at(-1);
      return {
        tasks,
        ...(tasks.length === limit && last ? { next: { t: last.startedTime, id: last._id } } : {}),
      };
    },
    async setDestinationStatus(id, status) {
      await pool.query(
        `UPDATE ${table} SET doc = doc || jsonb_build_object('destinationStatus', $2::text) WHERE id = $1`,
        [id, status],
      );
    },
    async startDelivery(id, deliveryId) {
      await pool.query(
        `UPDATE ${table}
            SET doc = doc || jsonb_build_object('destinationStatus', 'pending', 'destinationDeliveryId', $2::text)
          WHERE id = $1`,
        [id, deliveryId],
      );
    },
    async finishDelivery(id, deliveryId, status) {
      await pool.query(
        `UPDATE ${table} SET doc = doc || jsonb_build_object('destinationStatus', $3::text)
          WHERE id = $1 AND doc->>'destinationDeliveryId' = $2`,
        [id, deliveryId, status],
      );
    },
  };
}
