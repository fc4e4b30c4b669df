/* Names and ids as FC defines them (and the ids asyncfn generates). */

/** FC: 1-64 letters, digits, _ and -, not starting with a digit or -. */
export const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
/** FC's rule for a task id a client chooses (x-fc-async-task-id): starts with a letter or _. */
export const TASK_ID = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
/**
 * Any task id asyncfn itself names a task with (request ids, trigger and destination ids, which
 * may start with a digit), and what lookups accept.
 */
export const ANY_TASK_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** A qualifier: LATEST, a version id or an alias name. */
export const QUALIFIER = /^(LATEST|[0-9]{1,10}|[A-Za-z_][A-Za-z0-9_-]{0,127})$/;
