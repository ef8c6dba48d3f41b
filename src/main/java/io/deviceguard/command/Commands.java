package io.deviceguard.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import io.deviceguard.broker.BrokerControl;
import io.deviceguard.user.Actor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Commands from creation to their last execution's end: what the admin API asks (send, approve, cancel, status,
 * groups), what the routes need (the executions due for publishing, recording them SENT, applying the devices'
 * reports) and the sweep (expiry, timeouts, the abort threshold, completion). Every change of a command or an
 * execution leaves a COMMAND audit row; the row of a send is durable before the command is published.
 */
public final class Commands {

    private static final int MAX_BATCH = 500;
    /**
     * How long a node's claim on an execution it is publishing holds: if the node dies between claim and publish,
     * another node publishes it after this (a device may then get the command twice; it ignores the repeat by its ID).
     */
    static final Duration CLAIM = Duration.ofSeconds(30);

    private final CommandStore store;
    private final CommandTypes types;
    private final CommandSigner signer;
    private final AuditLog audit;
    private final BrokerControl broker;
    private final Clock clock;
    private final int defaultTtlSeconds;
    private final int defaultTimeoutSeconds;
    private final long pollMillis;
    private final String node;
    private final Map<String, Pace> paces = new ConcurrentHashMap<>();

    /** A command with its execution counts, and its executions when asked for. */
    public record Status(Command command, Map<ExecutionState, Integer> counts, List<Execution> executions) {
    }

    /** One execution to publish now. */
    public record Dispatch(String commandId, String deviceId, String type, String params, Instant expiresAt) {
    }

    public Commands(javax.sql.DataSource dataSource, CommandTypes types, CommandSigner signer, AuditLog audit,
                    BrokerControl broker, Clock clock, int defaultTtlSeconds, int defaultTimeoutSeconds, long pollMillis,
                    String node) {
        this.store = new CommandStore(dataSource);
        this.types = types;
        this.signer = signer;
        this.audit = audit;
        this.broker = broker;
        this.clock = clock;
        this.defaultTtlSeconds = defaultTtlSeconds;
        this.defaultTimeoutSeconds = defaultTimeoutSeconds;
        this.pollMillis = pollMillis;
        this.node = node;
    }

    /** See {@link CommandStore#writeThrough}: the platform hands over its pipeline writer once it exists. */
    public void writeThrough(io.deviceguard.store.WriteBatcher batcher) {
        store.writeThrough(batcher);
    }

    // ---- what users ask

    public Command create(String type, JsonNode params, String targetText, Rollout rollout, Integer ttlSeconds,
                          Integer timeoutSeconds, Actor actor) {
        types.validate(type, params);
        Target target;
        try {
            target = Target.parse(targetText);
        } catch (IllegalArgumentException e) {
            throw CommandException.invalid("target", e.getMessage());
        }
        if (ttlSeconds != null && (ttlSeconds < 1 || ttlSeconds > 30 * 86400)) {
            throw CommandException.invalid("ttlSeconds", "the TTL must be between 1 second and 30 days");
        }
        if (timeoutSeconds != null && (timeoutSeconds < 1 || timeoutSeconds > 7 * 86400)) {
            throw CommandException.invalid("timeoutSeconds", "the timeout must be between 1 second and 7 days");
        }
        List<String> devices = resolve(target);
        Instant now = clock.instant();
        boolean approval = types.isHighRisk(type);
        int ttl = ttlSeconds == null ? defaultTtlSeconds : ttlSeconds;
        Command c = new Command(UUID.randomUUID().toString(), type, params.toString(), target.toString(), actor.name(),
                null, approval ? CommandState.PENDING_APPROVAL : CommandState.RUNNING, rollout, ttl,
                timeoutSeconds == null ? defaultTimeoutSeconds : timeoutSeconds, now, approval ? null : now,
                approval ? null : now.plusSeconds(ttl), null, null);
        audit.recordAndWait(actor.stamp(AuditEvent.of(AuditCategory.COMMAND, "command.create"))
                .target(c.id())
                .detail("type", type)
                .detail("params", params)
                .detail("commandTarget", c.target())
                .detail("devices", devices.size())
                .detail("state", c.state().name())
                .detail("ratePerMinute", rollout.ratePerMinute())
                .detail("abortAt", rollout.abortFailurePct() == null ? null
                        : rollout.abortFailurePct() + "%:" + rollout.abortMinResults())
                .detail("ttlSeconds", ttl)
                .build());
        store.insert(c, devices);
        return c;
    }

    private List<String> resolve(Target target) {
        List<String> devices = switch (target.kind()) {
            case ALL -> store.activeDevices();
            case GROUP -> {
                if (!store.groupExists(target.names().get(0))) {
                    throw new CommandException(CommandException.Kind.INVALID, "invalid_field",
                            "no group '" + target.names().get(0) + "' (create it with: deviceguard group create NAME)", "target");
                }
                yield store.members(target.names().get(0));
            }
            case DEVICES -> {
                List<String> unknown = store.unknownDevices(target.names());
                if (!unknown.isEmpty()) {
                    throw CommandException.invalid("target", "not registered: " + String.join(", ",
                            unknown.subList(0, Math.min(10, unknown.size()))) + (unknown.size() > 10 ? ", ..." : ""));
                }
                yield target.names();
            }
        };
        if (devices.isEmpty()) {
            throw CommandException.invalid("target", "target " + target + " has no devices");
        }
        return devices;
    }

    public Command approve(String id, Actor actor) {
        Command c = find(id);
        if (c.state() != CommandState.PENDING_APPROVAL) {
            throw new CommandException(CommandException.Kind.CONFLICT, "not_pending_approval", "command " + id + " is "
                    + c.state() + ", not PENDING_APPROVAL", null);
        }
        if (c.requestedBy().equals(actor.name())) {
            audit.recordAndWait(actor.stamp(AuditEvent.of(AuditCategory.COMMAND, "command.approve")).denied().target(id)
                    .detail("reason", "self_approval").detail("type", c.type()).build());
            throw new CommandException(CommandException.Kind.FORBIDDEN, "self_approval", "user " + actor.name()
                    + " requested command " + id + " and cannot approve it: a second operator or admin must", null);
        }
        Instant now = clock.instant();
        Map<String, Object> cols = new LinkedHashMap<>();
        cols.put("approved_by", actor.name());
        cols.put("started_at", now);
        cols.put("expires_at", now.plusSeconds(c.ttlSeconds()));
        audit.recordAndWait(actor.stamp(AuditEvent.of(AuditCategory.COMMAND, "command.approve")).target(id)
                .detail("type", c.type()).detail("requestedBy", c.requestedBy()).build());
        if (!store.updateCommand(id, CommandState.PENDING_APPROVAL, CommandState.RUNNING, cols)) {
            throw new CommandException(CommandException.Kind.CONFLICT, "not_pending_approval", "command " + id
                    + " changed state while being approved", null);
        }
        return find(id);
    }

    public Command cancel(String id, Actor actor) {
        Command c = find(id);
        if (c.state().isFinal()) {
            throw new CommandException(CommandException.Kind.CONFLICT, "already_finished", "command " + id + " is already "
                    + c.state(), null);
        }
        Instant now = clock.instant();
        audit.recordAndWait(actor.stamp(AuditEvent.of(AuditCategory.COMMAND, "command.cancel")).target(id)
                .detail("type", c.type()).detail("was", c.state().name()).build());
        store.updateCommand(id, c.state(), CommandState.CANCELLED, Map.of("finished_at", now, "reason", "cancelled by " + actor.name()));
        endOpen(c.id(), EnumSet.of(ExecutionState.QUEUED, ExecutionState.SENT, ExecutionState.DELIVERED),
                ExecutionState.CANCELLED, "cancelled", "cancelled by " + actor.name());
        paces.remove(id);
        return find(id);
    }

    public Status status(String id, boolean withExecutions) {
        Command c = find(id);
        return new Status(c, store.counts(id), withExecutions ? store.executions(id) : List.of());
    }

    public List<Command> recent(int limit) {
        return store.recent(limit);
    }

    private Command find(String id) {
        if (id == null || !id.matches("[0-9a-f-]{36}")) {
            throw new CommandException(CommandException.Kind.NOT_FOUND, "no_such_command", "no command '"
                    + io.deviceguard.device.DeviceId.printable(id) + "'", null);
        }
        return store.find(id).orElseThrow(() -> new CommandException(CommandException.Kind.NOT_FOUND, "no_such_command",
                "no command '" + id + "'", null));
    }

    // ---- groups

    public void createGroup(String name, Actor actor) {
        if (!Groups.isValidName(name)) {
            throw CommandException.invalid("name", Groups.NAME_RULE);
        }
        if (!store.createGroup(name, actor.name(), clock.instant())) {
            throw new CommandException(CommandException.Kind.CONFLICT, "group_exists", "group '" + name + "' exists", null);
        }
        audit.recordAndWait(actor.stamp(AuditEvent.of(AuditCategory.COMMAND, "group.create")).target(name).build());
    }

    public List<String> addToGroup(String name, List<String> devices, Actor actor) {
        if (!Groups.isValidName(name) || !store.groupExists(name)) {
            throw new CommandException(CommandException.Kind.NOT_FOUND, "no_such_group", "no group '"
                    + io.deviceguard.device.DeviceId.printable(name) + "'", null);
        }
        if (devices.isEmpty()) {
            throw CommandException.invalid("devices", "give at least one device ID");
        }
        for (String d : devices) {
            if (!io.deviceguard.device.DeviceId.isValid(d)) {
                throw CommandException.invalid("devices", "'" + io.deviceguard.device.DeviceId.printable(d) + "' is not a valid device ID");
            }
        }
        List<String> unknown = store.unknownDevices(devices);
        if (!unknown.isEmpty()) {
            throw CommandException.invalid("devices", "not registered: " + String.join(", ", unknown));
        }
        List<String> added = store.addMembers(name, devices, clock.instant());
        audit.recordAndWait(actor.stamp(AuditEvent.of(AuditCategory.COMMAND, "group.add")).target(name)
                .detail("added", added).build());
        return added;
    }

    public Map<String, Integer> groups() {
        return store.groups();
    }

    public List<String> members(String name) {
        if (!Groups.isValidName(name) || !store.groupExists(name)) {
            throw new CommandException(CommandException.Kind.NOT_FOUND, "no_such_group", "no group '"
                    + io.deviceguard.device.DeviceId.printable(name) + "'", null);
        }
        return store.members(name);
    }

    // ---- what the routes need

    /** The executions to publish now: QUEUED ones of RUNNING, unexpired commands, within each rollout's rate. */
    public List<Dispatch> due() {
        Instant now = clock.instant();
        List<Dispatch> out = new ArrayList<>();
        for (Command c : store.inState(CommandState.RUNNING)) {
            if (c.expiresAt() != null && !now.isBefore(c.expiresAt())) {
                continue;
            }
            Pace pace = paces.computeIfAbsent(c.id(), k -> new Pace(c.rollout().ratePerMinute(), pollMillis, now));
            int n = pace.available(now);
            if (n == 0) {
                continue;
            }
            // several nodes poll the same database: each execution is published by the node that claims it
            Instant until = now.plus(CLAIM);
            List<String> devices = store.claim(c.id(), store.queued(c.id(), n, node, now), node, now, until);
            pace.take(devices.size());
            for (String d : devices) {
                out.add(new Dispatch(c.id(), d, c.type(), c.params(), c.expiresAt()));
            }
        }
        // the rows of the sends, durable before any of them is published (written as one batch, not one by one)
        List<java.util.concurrent.CompletableFuture<io.deviceguard.audit.AuditRecord>> rows = new ArrayList<>();
        for (Dispatch d : out) {
            rows.add(audit.record(AuditEvent.of(AuditCategory.COMMAND, "execution.sent")
                    .actor(AuditEvent.ActorType.SYSTEM, "command-dispatch")
                    .target(d.commandId())
                    .detail("device", d.deviceId())
                    .detail("type", d.type())
                    .detail("expiresAt", d.expiresAt().toString())
                    .detail("node", node)
                    .build()));
        }
        rows.forEach(java.util.concurrent.CompletableFuture::join);
        return out;
    }

    /**
     * The signed command of a dispatch ({@link #due} has written its audit row). Returns null when the command
     * was cancelled, aborted or expired meanwhile: nothing is published then.
     */
    public String signForSend(Dispatch d) {
        Instant now = clock.instant();
        Optional<Execution> e = store.execution(d.commandId(), d.deviceId());
        if (e.isEmpty() || e.get().state() != ExecutionState.QUEUED || !now.isBefore(d.expiresAt())) {
            return null;
        }
        return signer.sign(d.commandId(), d.deviceId(), d.type(), d.params(), now, d.expiresAt());
    }

    /** After the broker acknowledged the publish. A device may have answered already; its state then stands. */
    public void sent(Dispatch d) {
        store.markSent(d.commandId(), d.deviceId(), clock.instant());
    }

    /** A device's signed, integrity-checked status report ({@code data} of a command-status envelope). */
    public void report(String deviceId, JsonNode data) {
        String commandId = data.path("commandId").asText();
        ExecutionState to = ExecutionState.valueOf(data.path("state").asText());
        String reason = data.hasNonNull("reason") ? data.path("reason").asText() : null;
        String detail = data.hasNonNull("detail") ? data.path("detail").asText() : null;
        Optional<Execution> e = store.execution(commandId, deviceId);
        if (e.isEmpty()) {
            audit.record(AuditEvent.of(AuditCategory.COMMAND, "execution.report-ignored").device(deviceId).denied()
                    .target(commandId).detail("reason", "unknown_execution").detail("state", to.name()).build());
            return;
        }
        if (e.get().state() == to) {
            return; // the same report again (a redelivery, or the device repeating itself for a resent command)
        }
        transition(e.get(), to, reason, detail, AuditEvent.ActorType.DEVICE, deviceId);
        if (to.isFailure()) {
            // only a failure can push the failure share over the threshold; counting every result of a large rollout
            // at each report would cost time in proportion to its size (the sweep checks the rest every tick)
            store.find(commandId).ifPresent(this::checkAbort);
        }
    }

    private boolean transition(Execution e, ExecutionState to, String reason, String detail, AuditEvent.ActorType type,
                               String actor) {
        Instant now = clock.instant();
        boolean moved = store.transition(e.commandId(), e.deviceId(), to, now, reason, detail);
        if (!moved && type == AuditEvent.ActorType.SYSTEM) {
            // the sweep lost a race (another node's sweep, or the device's report, moved it first): nothing happened
            return false;
        }
        AuditEvent.Builder row = AuditEvent.of(AuditCategory.COMMAND, moved ? "execution." + to.name().toLowerCase()
                : "execution.report-ignored").actor(type, actor).target(e.commandId()).detail("device", e.deviceId())
                .detail("from", e.state().name()).detail("reason", moved ? reason : "illegal_transition")
                .detail("state", to.name()).detail("detail", detail);
        if (!moved) {
            row.denied();
        }
        audit.record(row.build());
        return moved;
    }

    private void endOpen(String commandId, EnumSet<ExecutionState> from, ExecutionState to, String reason, String detail) {
        for (Execution e : store.executionsIn(commandId, from)) {
            transition(e, to, reason, detail, AuditEvent.ActorType.SYSTEM, "command-sweep");
        }
    }

    private void checkAbort(Command c) {
        if (c.state() != CommandState.RUNNING || c.rollout().abortFailurePct() == null) {
            return;
        }
        Map<ExecutionState, Integer> counts = store.counts(c.id());
        int results = 0;
        int failures = 0;
        for (Map.Entry<ExecutionState, Integer> en : counts.entrySet()) {
            results += en.getKey().isResult() ? en.getValue() : 0;
            failures += en.getKey().isFailure() ? en.getValue() : 0;
        }
        if (c.rollout().shouldAbort(results, failures)) {
            String why = failures + " failures in " + results + " results exceed " + c.rollout().abortFailurePct()
                    + "% (checked after at least " + c.rollout().abortMinResults() + ")";
            if (store.updateCommand(c.id(), CommandState.RUNNING, CommandState.ABORTED,
                    Map.of("finished_at", clock.instant(), "reason", why))) {
                audit.recordAndWait(AuditEvent.of(AuditCategory.COMMAND, "command.abort")
                        .actor(AuditEvent.ActorType.SYSTEM, "rollout").failed().target(c.id())
                        .detail("reason", "abort_threshold").detail("detail", why).build());
                endOpen(c.id(), EnumSet.of(ExecutionState.QUEUED), ExecutionState.CANCELLED, "rollout_aborted", why);
                paces.remove(c.id());
            }
        }
    }

    /** Expiry, timeouts, the abort threshold and completion of every RUNNING command. */
    public void sweep() {
        Instant now = clock.instant();
        for (Command c : store.inState(CommandState.RUNNING)) {
            if (c.expiresAt() != null && !now.isBefore(c.expiresAt())) {
                endOpen(c.id(), EnumSet.of(ExecutionState.QUEUED, ExecutionState.SENT), ExecutionState.EXPIRED,
                        "ttl_passed", "not delivered within " + c.ttlSeconds() + " s");
            }
            Duration timeout = Duration.ofSeconds(c.timeoutSeconds()).plus(grant(c));
            // only executions waiting since before the cutoff can time out: a connection opened later only moves the
            // start of a SENT execution's wait later still
            List<Execution> late = store.waitingSince(c.id(), now.minus(timeout));
            Map<String, Instant> online = broker == null ? Map.of() : broker.connectedSince(late.stream()
                    .filter(e -> e.state() == ExecutionState.SENT).map(Execution::deviceId)
                    .collect(java.util.stream.Collectors.toSet()));
            for (Execution e : late) {
                Instant since = e.deliveredAt() != null ? e.deliveredAt() : e.sentAt();
                if (e.state() == ExecutionState.SENT) {
                    // an offline device gets the command when it returns (until the TTL): only a connected one's silence counts
                    Instant connected = broker == null ? since : online.get(e.deviceId());
                    if (connected == null) {
                        continue;
                    }
                    since = connected.isAfter(since) ? connected : since;
                }
                if (Duration.between(since, now).compareTo(timeout) > 0) {
                    transition(e, ExecutionState.TIMED_OUT, "no_answer", "no " + (e.state() == ExecutionState.SENT
                            ? "acknowledgement" : "result") + " within " + timeout.toSeconds() + " s",
                            AuditEvent.ActorType.SYSTEM, "command-sweep");
                }
            }
            // a failure report checks the threshold at once (see report); this catches the rest: timeouts, and a
            // success that brought the results up to the minimum while the failures were already too many
            checkAbort(c);
            Map<ExecutionState, Integer> counts = store.counts(c.id());
            boolean open = counts.entrySet().stream().anyMatch(en -> !en.getKey().isFinal() && en.getValue() > 0);
            if (!open && store.updateCommand(c.id(), CommandState.RUNNING, CommandState.COMPLETED, Map.of("finished_at", now))) {
                audit.record(AuditEvent.of(AuditCategory.COMMAND, "command.complete")
                        .actor(AuditEvent.ActorType.SYSTEM, "command-sweep").target(c.id()).detail("counts", counts.toString()).build());
                paces.remove(c.id());
            }
        }
    }

    /** A remote-access grant runs on the device before it reports the result: its length adds to the timeout. */
    private static Duration grant(Command c) {
        if (!c.type().equals("remote-access")) {
            return Duration.ZERO;
        }
        try {
            double minutes = new com.fasterxml.jackson.databind.ObjectMapper().readTree(c.params()).path("minutes").asDouble();
            return Duration.ofMillis((long) (minutes * 60_000));
        } catch (java.io.IOException e) {
            return Duration.ZERO;
        }
    }

    /** The rollout rate as a token bucket: sends are spread over the minute, never more than a tick's worth at once. */
    private static final class Pace {
        private final Integer perMinute;
        private final double capacity;
        private double tokens;
        private Instant last;

        Pace(Integer perMinute, long pollMillis, Instant now) {
            this.perMinute = perMinute;
            this.capacity = perMinute == null ? 0 : Math.max(1.0, perMinute * pollMillis / 60_000.0);
            this.tokens = 1.0;
            this.last = now;
        }

        synchronized int available(Instant now) {
            if (perMinute == null) {
                return MAX_BATCH;
            }
            tokens = Math.min(capacity, tokens + Duration.between(last, now).toMillis() * perMinute / 60_000.0);
            last = now;
            return (int) Math.floor(tokens);
        }

        synchronized void take(int n) {
            if (perMinute != null) {
                tokens -= n;
            }
        }
    }
}
