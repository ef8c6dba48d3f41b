-- A command's progress (how many of its executions are in each state) is read by every status request, by the
-- sweep at each tick and by the abort check. The index on (state, command_id) could not serve `where command_id = ?`
-- with its state, so each count visited every execution's row: at 10,000 executions that was tens of milliseconds per
-- count. This index holds the command, the state and the target order: the counts read it alone, and the dispatcher's
-- next QUEUED executions come out of it in order, without a sort.
drop index command_executions_state;
create index command_executions_progress on command_executions (command_id, state, seq);
