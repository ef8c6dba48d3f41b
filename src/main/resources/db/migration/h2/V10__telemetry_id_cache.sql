-- The telemetry table's identity hands out ids from a cache of 1000 instead of H2's default 32. H2 persists the
-- sequence each time its cache runs out, in a commit of its own that writes every page the pipeline writer's open
-- batch has changed: with 32 that was a second full commit every 32 stored messages (30 % of the writer's time at
-- 600 msg/s, BENCHMARKS.md). A hard stop can leave a gap of up to 1000 ids; ids only order the rows.
alter table telemetry alter column id set cache 1000;
