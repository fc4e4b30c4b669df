import { MongoClient } from 'mongodb';
import { DEFAULT_LOCAL_TENANT } from '@asyncfn/auth';
import { createNames, TERMINAL_STATUSES, type TaskDocument } from '@asyncfn/contracts';
import { monoMs, monoOf, wallOf } from '../lib/clock.js';
import type { Completion, CompletionSource } from '../lib/completions.js';

/*
 * asyncfn's read model as a user sees it: the status service's `tasks` projection in MongoDB
 * (read-model-pg.ts: the same in PostgreSQL, ASYNCFN_TASK_STORE=postgresql).
 * Completion = the task document reached a terminal status; its time is the document's endTime.
 */

const TERMINAL = [...TERMINAL_STATUSES];
/**
 * endTime is another process's Date.now(), compared with the bench's own submission times
 * (monotonic + a fixed offset): a little slack keeps a query from missing a task over a clock step.
 */
export const CLOCK_SLACK_MS = 250;
/** Groups (of GROUP_SIZE tasks) read per poll: bounds a poll's cost whatever the backlog. */
export const GROUPS_PER_POLL = 8;

export interface ReadModel {
  /**
   * Terminal tasks of one function, as a completion source: each poll reads the oldest groups
   * with outstanding tasks, found by payload equality (see lib/payload.ts).
   */
  source(functionName: string): CompletionSource;
  /** Documents per status among the tasks whose id starts with the prefix. */
  statusCounts(functionName: string, idPrefix: string): Promise<Record<string, number>>;
  /** Tasks (by id prefix) with more than one terminal event in their history: must be none. */
  multipleTerminals(idPrefix: string): Promise<number>;
  /** Tasks of a function whose ids start with the prefix that left any document at all. */
  countDocs(functionName: string, idPrefix: string): Promise<number>;
  /** Of those, the tasks that were retried at least once. */
  countRetried(functionName: string, idPrefix: string): Promise<number>;
  close(): Promise<void>;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function openReadModel(mongoUrl: string, namespace: string): Promise<ReadModel> {
  const client = new MongoClient(mongoUrl, { maxPoolSize: 4 });
  await client.connect();
  const names = createNames(namespace);
  const db = client.db(names.database);
  const tasks = db.collection<TaskDocument>(names.collections.tasks);
  return {
    source(functionName) {
      return {
        name: 'readModel',
        loadsSystem: true,
        async take(pending): Promise<Completion[]> {
          const found = await Promise.all(
            pending()
              .slice(0, GROUPS_PER_POLL)
              .map((g) =>
                tasks
                  .find(
                    {
                      // Equalities FerretDB hands to PostgreSQL; on MongoDB the list index serves
                      // tenant + functionName + startedTime (nothing in the group was accepted
                      // before its oldest outstanding task was submitted).
                      tenant: DEFAULT_LOCAL_TENANT,
                      functionName,
                      payload: g.payload.toString('base64'),
                      startedTime: { $gte: wallOf(g.oldestDueMs) - CLOCK_SLACK_MS },
                    },
                    { projection: { taskId: 1, status: 1, endTime: 1 } },
                  )
                  .toArray(),
              ),
          );
          const seenMs = monoMs();
          return found
            .flat()
            .filter((d) => TERMINAL_STATUSES.has(d.status))
            .map((d) => ({ id: d.taskId, status: d.status, atMs: monoOf(d.endTime ?? 0), seenMs }));
        },
      };
    },
    async statusCounts(functionName, idPrefix) {
      const rows = await tasks
        .aggregate<{ _id: string; n: number }>([
          { $match: { functionName, taskId: { $regex: `^${escapeRegex(idPrefix)}` } } },
          { $group: { _id: '$status', n: { $sum: 1 } } },
        ])
        .toArray();
      return Object.fromEntries(rows.map((r) => [r._id, r.n]));
    },
    async multipleTerminals(idPrefix) {
      // Each task's history is in its document (an aggregation's $unwind would be FerretDB's work).
      const docs = await tasks
        .find({ taskId: { $regex: `^${escapeRegex(idPrefix)}` } }, { projection: { 'history.status': 1 } })
        .toArray();
      const terminals = (doc: TaskDocument) =>
        (doc.history ?? []).filter((e) => TERMINAL.includes(e.status)).length;
      return docs.filter((doc) => terminals(doc) > 1).length;
    },
    countDocs(functionName, idPrefix) {
      return tasks.countDocuments({ functionName, taskId: { $regex: `^${escapeRegex(idPrefix)}` } });
    },
    countRetried(functionName, idPrefix) {
      return tasks.countDocuments({
        functionName,
        taskId: { $regex: `^${escapeRegex(idPrefix)}` },
        alreadyRetriedTimes: { $gte: 1 },
      });
    },
    close: () => client.close(),
  };
}
