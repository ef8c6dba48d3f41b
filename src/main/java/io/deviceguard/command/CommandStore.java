package io.deviceguard.command;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * The commands, their executions and the device groups in the database (migration V7). Every state change is a
 * conditional update ({@code where state in (...)}), so two writers racing (a device's report and the sweep) cannot
 * both move the same execution: the loser's update matches no row.
 */
final class CommandStore {

    private static final String COMMAND_COLUMNS = "id, type, params, target, requested_by, approved_by, state,"
            + " rate_per_minute, abort_failure_pct, abort_min_results, ttl_seconds, timeout_seconds, created_at,"
            + " started_at, expires_at, finished_at, reason";
    private static final String EXECUTION_COLUMNS = "command_id, device_id, seq, state, queued_at, sent_at,"
            + " delivered_at, finished_at, updated_at, reason, detail";

    private final DataSource dataSource;
    private volatile io.deviceguard.store.WriteBatcher batcher;

    CommandStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Executions' state changes (a device's report, the sweep's timeouts, the publish's SENT mark) are committed in
     * the pipeline's group commits from now on, each still waiting for its own commit and still conditional.
     */
    void writeThrough(io.deviceguard.store.WriteBatcher batcher) {
        this.batcher = batcher;
    }

    private <R> R write(io.deviceguard.store.WriteBatcher.Work<R> work) throws SQLException {
        io.deviceguard.store.WriteBatcher b = batcher;
        if (b != null) {
            return b.execute(work);
        }
        try (Connection con = dataSource.getConnection()) {
            return work.run(con);
        }
    }

    /** The command and one QUEUED execution per device, in one transaction. */
    void insert(Command c, List<String> devices) {
        try (Connection con = dataSource.getConnection()) {
            con.setAutoCommit(false);
            try {
                try (PreparedStatement ps = con.prepareStatement("insert into commands (" + COMMAND_COLUMNS
                        + ") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    ps.setString(1, c.id());
                    ps.setString(2, c.type());
                    ps.setString(3, c.params());
                    ps.setString(4, c.target());
                    ps.setString(5, c.requestedBy());
                    ps.setString(6, c.approvedBy());
                    ps.setString(7, c.state().name());
                    ps.setObject(8, c.rollout().ratePerMinute());
                    ps.setObject(9, c.rollout().abortFailurePct());
                    ps.setObject(10, c.rollout().abortMinResults());
                    ps.setInt(11, c.ttlSeconds());
                    ps.setInt(12, c.timeoutSeconds());
                    ps.setObject(13, utc(c.createdAt()));
                    ps.setObject(14, utc(c.startedAt()));
                    ps.setObject(15, utc(c.expiresAt()));
                    ps.setObject(16, utc(c.finishedAt()));
                    ps.setString(17, c.reason());
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = con.prepareStatement("insert into command_executions (command_id, device_id,"
                        + " seq, state, queued_at, updated_at) values (?, ?, ?, 'QUEUED', ?, ?)")) {
                    int seq = 0;
                    for (String d : devices) {
                        ps.setString(1, c.id());
                        ps.setString(2, d);
                        ps.setInt(3, seq++);
                        ps.setObject(4, utc(c.createdAt()));
                        ps.setObject(5, utc(c.createdAt()));
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                con.commit();
            } catch (SQLException e) {
                con.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new CommandStoreException("cannot store command " + c.id(), e);
        }
    }

    Optional<Command> find(String id) {
        List<Command> l = commands("select " + COMMAND_COLUMNS + " from commands where id = ?", id);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    List<Command> inState(CommandState state) {
        return commands("select " + COMMAND_COLUMNS + " from commands where state = ? order by created_at", state.name());
    }

    List<Command> recent(int limit) {
        return commands("select " + COMMAND_COLUMNS + " from commands order by created_at desc limit " + limit);
    }

    /** Moves the command from {@code from} to {@code to}, setting the given columns too; false if it was not in {@code from}. */
    boolean updateCommand(String id, CommandState from, CommandState to, Map<String, Object> columns) {
        StringBuilder sql = new StringBuilder("update commands set state = ?");
        columns.keySet().forEach(k -> sql.append(", ").append(k).append(" = ?"));
        sql.append(" where id = ? and state = ?");
        try (Connection con = dataSource.getConnection(); PreparedStatement ps = con.prepareStatement(sql.toString())) {
            int i = 1;
            ps.setString(i++, to.name());
            for (Object v : columns.values()) {
                ps.setObject(i++, v instanceof Instant t ? utc(t) : v);
            }
            ps.setString(i++, id);
            ps.setString(i, from.name());
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new CommandStoreException("cannot update command " + id, e);
        }
    }

    /** Moves one execution to {@code to} if it is in a state that may lead there; false otherwise. */
    boolean transition(String commandId, String deviceId, ExecutionState to, Instant at, String reason, String detail) {
        String stamp = switch (to) {
            case SENT -> ", sent_at = ?";
            case DELIVERED -> ", delivered_at = ?";
            case QUEUED -> "";
            // a result implies delivery: reports may overtake each other, the DELIVERED one is then late
            case SUCCEEDED, FAILED -> ", finished_at = ?, delivered_at = coalesce(delivered_at, ?)";
            default -> ", finished_at = ?";
        };
        String from = to.from().stream().map(s -> "'" + s.name() + "'").collect(Collectors.joining(", "));
        String sql = "update command_executions set state = ?, updated_at = ?" + stamp
                + ", reason = coalesce(?, reason), detail = coalesce(?, detail)"
                + " where command_id = ? and device_id = ? and state in (" + from + ")";
        long stamps = stamp.chars().filter(ch -> ch == '?').count();
        try {
            return write(con -> {
                try (PreparedStatement ps = con.prepareStatement(sql)) {
                    int i = 1;
                    ps.setString(i++, to.name());
                    ps.setObject(i++, utc(at));
                    for (int k = 0; k < stamps; k++) {
                        ps.setObject(i++, utc(at));
                    }
                    ps.setString(i++, reason);
                    ps.setString(i++, detail);
                    ps.setString(i++, commandId);
                    ps.setString(i, deviceId);
                    return ps.executeUpdate() == 1;
                }
            });
        } catch (SQLException e) {
            throw new CommandStoreException("cannot update execution " + commandId + "/" + deviceId, e);
        }
    }

    /**
     * Records the publish: QUEUED becomes SENT; a device that answered before this ran keeps its state, but the
     * time of sending is recorded all the same.
     */
    void markSent(String commandId, String deviceId, Instant at) {
        try {
            write(con -> {
                try (PreparedStatement ps = con.prepareStatement(
                        "update command_executions set sent_at = coalesce(sent_at, ?), updated_at = ?,"
                                + " state = case when state = 'QUEUED' then 'SENT' else state end"
                                + " where command_id = ? and device_id = ?")) {
                    ps.setObject(1, utc(at));
                    ps.setObject(2, utc(at));
                    ps.setString(3, commandId);
                    ps.setString(4, deviceId);
                    return ps.executeUpdate();
                }
            });
        } catch (SQLException e) {
            throw new CommandStoreException("cannot record the send of " + commandId + "/" + deviceId, e);
        }
    }

    Optional<Execution> execution(String commandId, String deviceId) {
        List<Execution> l = executions("select " + EXECUTION_COLUMNS + " from command_executions where command_id = ?"
                + " and device_id = ?", commandId, deviceId);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    List<Execution> executions(String commandId) {
        return executions("select " + EXECUTION_COLUMNS + " from command_executions where command_id = ? order by seq",
                commandId);
    }

    List<Execution> executionsIn(String commandId, Collection<ExecutionState> states) {
        String in = states.stream().map(s -> "'" + s.name() + "'").collect(Collectors.joining(", "));
        return executions("select " + EXECUTION_COLUMNS + " from command_executions where command_id = ? and state in ("
                + in + ") order by seq", commandId);
    }

    /**
     * The SENT and DELIVERED executions of a command that have waited since before {@code cutoff} (DELIVERED since
     * their delivery, SENT since their send): the only ones a timeout can end. The others are not read at all, so a
     * sweep of a large rollout costs what its late executions cost, not what all of them do.
     */
    List<Execution> waitingSince(String commandId, Instant cutoff) {
        return executions("select " + EXECUTION_COLUMNS + " from command_executions where command_id = ?"
                + " and state in ('SENT', 'DELIVERED') and coalesce(delivered_at, sent_at) < ? order by seq",
                commandId, utc(cutoff));
    }

    /** The next QUEUED devices of a command, in target order, that no other node holds a dispatch claim on. */
    List<String> queued(String commandId, int limit, String node, Instant now) {
        return strings("select device_id from command_executions where command_id = ? and state = 'QUEUED'"
                + " and (claimed_until is null or claimed_until < ? or claimed_by = ?)"
                + " order by seq limit " + limit, commandId, utc(now), node);
    }

    /**
     * Claims QUEUED executions for publishing by {@code node} until {@code until}, each atomically (a conditional
     * UPDATE): of several nodes polling the same database, exactly one gets each; returns those this node got. A
     * claim of a node that died is free again once its time has passed; the node itself may renew its own (a publish
     * that failed is retried).
     */
    List<String> claim(String commandId, List<String> deviceIds, String node, Instant now, Instant until) {
        if (deviceIds.isEmpty()) {
            return deviceIds;
        }
        try (Connection con = dataSource.getConnection(); PreparedStatement ps = con.prepareStatement(
                "update command_executions set claimed_by = ?, claimed_until = ?"
                        + " where command_id = ? and device_id = ? and state = 'QUEUED'"
                        + " and (claimed_until is null or claimed_until < ? or claimed_by = ?)")) {
            for (String d : deviceIds) {
                bind(ps, node, utc(until), commandId, d, utc(now), node);
                ps.addBatch();
            }
            // one round trip; each statement's own count says whether this node got that execution
            int[] counts = ps.executeBatch();
            List<String> claimed = new ArrayList<>();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] == 1) {
                    claimed.add(deviceIds.get(i));
                }
            }
            return claimed;
        } catch (SQLException e) {
            throw new CommandStoreException("cannot claim executions of " + commandId, e);
        }
    }

    /** How many executions of a command were published so far: what the rollout rate counts. */
    int sentCount(String commandId) {
        return (int) count("select count(*) from command_executions where command_id = ? and sent_at is not null", commandId);
    }

    Map<ExecutionState, Integer> counts(String commandId) {
        Map<ExecutionState, Integer> m = new EnumMap<>(ExecutionState.class);
        for (ExecutionState s : ExecutionState.values()) {
            m.put(s, 0);
        }
        try (Connection con = dataSource.getConnection(); PreparedStatement ps = con.prepareStatement(
                "select state, count(*) from command_executions where command_id = ? group by state")) {
            ps.setString(1, commandId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    m.put(ExecutionState.valueOf(rs.getString(1)), rs.getInt(2));
                }
            }
        } catch (SQLException e) {
            throw new CommandStoreException("cannot count executions of " + commandId, e);
        }
        return m;
    }

    List<String> activeDevices() {
        return strings("select id from devices where status = 'ACTIVE' order by id");
    }

    /** The devices of {@code ids} that are not registered. */
    List<String> unknownDevices(List<String> ids) {
        java.util.Set<String> known = new java.util.HashSet<>();
        for (int from = 0; from < ids.size(); from += 500) {
            List<String> part = ids.subList(from, Math.min(ids.size(), from + 500));
            known.addAll(strings("select id from devices where id in (" + "?,".repeat(part.size() - 1) + "?)",
                    part.toArray()));
        }
        return ids.stream().filter(id -> !known.contains(id)).toList();
    }

    // groups

    boolean createGroup(String name, String by, Instant at) {
        try (Connection con = dataSource.getConnection(); PreparedStatement ps = con.prepareStatement(
                "insert into device_groups (name, created_at, created_by) values (?, ?, ?)")) {
            ps.setString(1, name);
            ps.setObject(2, utc(at));
            ps.setString(3, by);
            ps.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (e instanceof java.sql.SQLIntegrityConstraintViolationException || "23505".equals(e.getSQLState())) {
                return false;
            }
            throw new CommandStoreException("cannot create group " + name, e);
        }
    }

    boolean groupExists(String name) {
        return count("select count(*) from device_groups where name = ?", name) == 1;
    }

    /** Adds the devices not yet members; returns those added. */
    List<String> addMembers(String group, List<String> devices, Instant at) {
        java.util.Set<String> present = new java.util.HashSet<>(members(group));
        java.util.Set<String> added = new java.util.LinkedHashSet<>();
        try (Connection con = dataSource.getConnection(); PreparedStatement ps = con.prepareStatement(
                "insert into device_group_members (group_name, device_id, added_at) values (?, ?, ?)")) {
            for (String d : devices) {
                if (!present.contains(d) && !added.contains(d)) { // sets: a group of 10,000 is added in one pass
                    ps.setString(1, group);
                    ps.setString(2, d);
                    ps.setObject(3, utc(at));
                    ps.addBatch();
                    added.add(d);
                }
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw new CommandStoreException("cannot add members to group " + group, e);
        }
        return new ArrayList<>(added);
    }

    List<String> members(String group) {
        return strings("select device_id from device_group_members where group_name = ? order by device_id", group);
    }

    Map<String, Integer> groups() {
        Map<String, Integer> m = new java.util.LinkedHashMap<>();
        try (Connection con = dataSource.getConnection(); PreparedStatement ps = con.prepareStatement(
                "select g.name, count(m.device_id) from device_groups g left join device_group_members m"
                        + " on m.group_name = g.name group by g.name order by g.name");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                m.put(rs.getString(1), rs.getInt(2));
            }
        } catch (SQLException e) {
            throw new CommandStoreException("cannot list groups", e);
        }
        return m;
    }

    // plumbing

    private List<Command> commands(String sql, Object... args) {
        List<Command> out = new ArrayList<>();
        try (Connection con = dataSource.getConnection(); PreparedStatement ps = con.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Command(rs.getString("id"), rs.getString("type"), rs.getString("params"),
                            rs.getString("target"), rs.getString("requested_by"), rs.getString("approved_by"),
                            CommandState.valueOf(rs.getString("state")),
                            new Rollout(integer(rs, "rate_per_minute"), integer(rs, "abort_failure_pct"),
                                    integer(rs, "abort_min_results")),
                            rs.getInt("ttl_seconds"), rs.getInt("timeout_seconds"), instant(rs, "created_at"),
                            instant(rs, "started_at"), instant(rs, "expires_at"), instant(rs, "finished_at"),
                            rs.getString("reason")));
                }
            }
        } catch (SQLException e) {
            throw new CommandStoreException("cannot read commands", e);
        }
        return out;
    }

    private List<Execution> executions(String sql, Object... args) {
        List<Execution> out = new ArrayList<>();
        try (Connection con = dataSource.getConnection(); PreparedStatement ps = con.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Execution(rs.getString("command_id"), rs.getString("device_id"), rs.getInt("seq"),
                            ExecutionState.valueOf(rs.getString("state")), instant(rs, "queued_at"),
                            instant(rs, "sent_at"), instant(rs, "delivered_at"), instant(rs, "finished_at"),
                            instant(rs, "updated_at"), rs.getString("reason"), rs.getString("detail")));
                }
            }
        } catch (SQLException e) {
            throw new CommandStoreException("cannot read executions", e);
        }
        return out;
    }

    private List<String> strings(String sql, Object... args) {
        List<String> out = new ArrayList<>();
        try (Connection con = dataSource.getConnection(); PreparedStatement ps = con.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new CommandStoreException("cannot read " + sql, e);
        }
        return out;
    }

    private long count(String sql, Object... args) {
        try (Connection con = dataSource.getConnection(); PreparedStatement ps = con.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new CommandStoreException("cannot count " + sql, e);
        }
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
    }

    private static Integer integer(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    static OffsetDateTime utc(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.MILLIS).atOffset(ZoneOffset.UTC);
    }

    /** A command-table read or write failed: a platform fault, not the caller's. */
    static final class CommandStoreException extends RuntimeException {
        CommandStoreException(String message, SQLException cause) {
            super(message + ": " + cause.getMessage(), cause);
        }
    }
}
