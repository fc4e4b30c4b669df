-- GIN indexes for FerretDB 1.x's filter pushdown. Run by deploy/local/servers.sh
-- (pg_gin_install) in the ferretdb database on every start of "mongo", after
-- PostgreSQL is up and before FerretDB starts; idempotent. Edits here apply on
-- the next start.
--
-- Why: FerretDB stores a collection as a table <schema = database>.<table>
-- with one "_jsonb jsonb" column and pushes an equality filter down as
--   (_jsonb -> 'field') @> '<json value>'::jsonb
-- The btree expression indexes it creates (for _id and for createIndex) can't
-- serve @>, so every findOne({_id}) / updateOne({_id, ...}) was a sequential
-- scan (linear in the collection's size). A GIN index with jsonb_path_ops on
-- (_jsonb -> 'field') serves @> exactly. Real MongoDB answers these from an
-- index; the application stays unchanged.
--
-- What: an event trigger that, for every table created in a FerretDB schema
-- (one holding _ferretdb_database_metadata) with a _jsonb column, creates
--   CREATE INDEX IF NOT EXISTS <table>_<field>_<hash>_gin ON <table>
--     USING gin ((_jsonb -> '<field>') jsonb_path_ops) WITH (fastupdate = off)
-- for the fields below, and a one-off pass over the tables that already exist.
-- FerretDB doesn't know these indexes (they are not in its metadata: not
-- listed by listIndexes, never dropped by dropIndexes); DROP TABLE / DROP
-- SCHEMA (drop, dropDatabase) take them along. Our names end in "_gin":
-- FerretDB's own table names end in 8 hex digits and its index names in
-- "_idx", so they never clash. A failure here never fails FerretDB's DDL: it
-- becomes a WARNING in the PostgreSQL log.
--
-- fastupdate = off: with GIN's pending list (the default), every lookup scans
-- the whole list of not-yet-merged entries (up to 4 MB), which made _id
-- lookups several times slower right after bulk inserts; off costs a little
-- more per insert instead.

BEGIN;

-- asyncfn_gin_fields(table) -> the top-level document fields that get a GIN
-- index in that table (a FerretDB table is named <collection>_<8 hex digits>).
-- Every index is maintained on every insert and update, so the two busiest
-- collections get only what their lookups use: tasks by _id (get, guarded
-- updates), functionName (list) and status (the sweeper); task_events by
-- taskId (history); both by expireMinute (retention: the status service's
-- reaper deletes one minute at a time). Other collections get all five.
DROP FUNCTION IF EXISTS public.asyncfn_gin_fields();
CREATE OR REPLACE FUNCTION public.asyncfn_gin_fields(rel text) RETURNS text[]
LANGUAGE sql IMMUTABLE
AS $$
  SELECT CASE
    WHEN rel ~ '^task_events_[0-9a-f]{8}$' THEN ARRAY['taskId', 'expireMinute']
    WHEN rel ~ '^tasks_[0-9a-f]{8}$' THEN ARRAY['_id', 'functionName', 'status', 'expireMinute']
    ELSE ARRAY['_id', 'taskId', 'tenant', 'functionName', 'status']
  END
$$;

-- asyncfn_gin_index(table) -> creates the missing GIN indexes of one table
-- (nothing unless it is a FerretDB collection table); returns how many it made.
CREATE OR REPLACE FUNCTION public.asyncfn_gin_index(tbl oid) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
DECLARE
  sch text;
  rel text;
  f text;
  idx text;
  made integer := 0;
BEGIN
  SELECT n.nspname, c.relname INTO sch, rel
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.oid = tbl AND c.relkind = 'r';
  IF rel IS NULL OR rel LIKE '\_ferretdb\_%' OR sch LIKE 'pg\_%' OR sch = 'information_schema' THEN
    RETURN 0;
  END IF;
  -- a FerretDB collection: a jsonb column _jsonb, in a schema with FerretDB's metadata table
  IF NOT EXISTS (SELECT 1 FROM pg_attribute
                 WHERE attrelid = tbl AND attname = '_jsonb'
                   AND atttypid = 'jsonb'::regtype AND NOT attisdropped)
     OR to_regclass(format('%I._ferretdb_database_metadata', sch)) IS NULL THEN
    RETURN 0;
  END IF;
  FOREACH f IN ARRAY public.asyncfn_gin_fields(rel) LOOP
    -- <= 30 + 1 + 12 + 1 + 8 + 4 = 56 bytes (identifiers are cut at 63)
    idx := format('%s_%s_%s_gin', left(rel, 30),
                  left(lower(regexp_replace(f, '[^A-Za-z0-9]', '', 'g')), 12),
                  left(md5(rel || '.' || f), 8));
    IF to_regclass(format('%I.%I', sch, idx)) IS NULL THEN
      EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I.%I USING gin ((_jsonb -> %L) jsonb_path_ops) WITH (fastupdate = off)',
                     idx, sch, rel, f);
      made := made + 1;
    END IF;
  END LOOP;
  RETURN made;
END
$$;

-- The event trigger's function: every table a CREATE TABLE made.
CREATE OR REPLACE FUNCTION public.asyncfn_gin_on_create_table() RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT objid FROM pg_event_trigger_ddl_commands()
           WHERE command_tag = 'CREATE TABLE' AND object_type = 'table'
  LOOP
    BEGIN
      PERFORM public.asyncfn_gin_index(r.objid);
    EXCEPTION WHEN OTHERS THEN
      RAISE WARNING 'asyncfn: GIN indexes for table % not created: % (%)', r.objid::regclass, SQLERRM, SQLSTATE;
    END;
  END LOOP;
END
$$;

DROP EVENT TRIGGER IF EXISTS asyncfn_gin_indexes;
CREATE EVENT TRIGGER asyncfn_gin_indexes ON ddl_command_end
  WHEN TAG IN ('CREATE TABLE')
  EXECUTE FUNCTION public.asyncfn_gin_on_create_table();

-- The one-off pass over existing tables: one table per transaction, waiting
-- at most lock_timeout for a busy table (skipped with a WARNING; the next
-- start retries it).
-- (No SET search_path here: a procedure with SET can't COMMIT; pg_catalog
-- is searched first anyway.)
CREATE OR REPLACE PROCEDURE public.asyncfn_gin_index_existing()
LANGUAGE plpgsql
AS $$
DECLARE
  r record;
  made integer;
  total integer := 0;
BEGIN
  FOR r IN SELECT c.oid
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind = 'r' AND c.relname NOT LIKE '\_ferretdb\_%'
             AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
             AND EXISTS (SELECT 1 FROM pg_class m
                         WHERE m.relnamespace = n.oid AND m.relname = '_ferretdb_database_metadata')
           ORDER BY n.nspname, c.relname
  LOOP
    BEGIN
      made := public.asyncfn_gin_index(r.oid);
      total := total + made;
    EXCEPTION WHEN OTHERS THEN
      RAISE WARNING 'asyncfn: GIN indexes for table % not created: % (%)', r.oid, SQLERRM, SQLSTATE;
    END;
    COMMIT;
  END LOOP;
  IF total > 0 THEN
    RAISE NOTICE 'asyncfn: created % GIN index(es) on existing FerretDB tables', total;
  END IF;
END
$$;

COMMIT;

SET lock_timeout = '5s';
CALL public.asyncfn_gin_index_existing();
