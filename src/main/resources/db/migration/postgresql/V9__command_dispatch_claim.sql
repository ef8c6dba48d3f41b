-- Several nodes on one database poll the same executions due for publishing: a node claims one (a conditional
-- update) before it publishes it, so that each is published once. A dead node's claim lapses at claimed_until.
alter table command_executions add column claimed_by varchar(64);
alter table command_executions add column claimed_until timestamp(3) with time zone;
