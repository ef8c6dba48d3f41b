-- Static device groups: a command may target one by name.
create table device_groups (
    name       varchar(64)  not null primary key,
    created_at timestamp(3) with time zone not null,
    created_by varchar(64)  not null
);
create table device_group_members (
    group_name varchar(64) not null references device_groups (name),
    device_id  varchar(64) not null,
    added_at   timestamp(3) with time zone not null,
    primary key (group_name, device_id)
);

-- One row per command: what, to whom, who asked and who approved, and how it rolls out.
create table commands (
    id                 varchar(36)   not null primary key,
    type               varchar(64)   not null,
    params             varchar(16384) not null,
    target             varchar(4096) not null,
    requested_by       varchar(64)   not null,
    approved_by        varchar(64),
    state              varchar(20)   not null,
    rate_per_minute    int,
    abort_failure_pct  int,
    abort_min_results  int,
    ttl_seconds        int           not null,
    timeout_seconds    int           not null,
    created_at         timestamp(3) with time zone not null,
    started_at         timestamp(3) with time zone,
    expires_at         timestamp(3) with time zone,
    finished_at        timestamp(3) with time zone,
    reason             varchar(1024)
);
create index commands_state on commands (state);

-- One row per (command, device): its state and when it reached each state.
create table command_executions (
    command_id   varchar(36)  not null references commands (id),
    device_id    varchar(64)  not null,
    seq          int          not null,
    state        varchar(16)  not null,
    queued_at    timestamp(3) with time zone not null,
    sent_at      timestamp(3) with time zone,
    delivered_at timestamp(3) with time zone,
    finished_at  timestamp(3) with time zone,
    updated_at   timestamp(3) with time zone not null,
    reason       varchar(1024),
    detail       varchar(4096),
    primary key (command_id, device_id)
);
create index command_executions_state on command_executions (state, command_id);
