package io.deviceguard.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.deviceguard.command.Command;
import io.deviceguard.command.CommandException;
import io.deviceguard.command.Commands;
import io.deviceguard.command.Execution;
import io.deviceguard.command.ExecutionState;
import io.deviceguard.command.Rollout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code /api/v1/commands} and {@code /api/v1/groups}: send, approve, cancel and follow commands; static groups. */
final class CommandHandlers {

    private final Commands commands;

    CommandHandlers(Commands commands) {
        this.commands = commands;
    }

    record CommandView(String id, String type, JsonNode params, String target, String state, String requestedBy,
                       String approvedBy, Integer ratePerMinute, String abortAt, int ttlSeconds, int timeoutSeconds,
                       String createdAt, String startedAt, String expiresAt, String finishedAt, String reason,
                       Map<String, Integer> counts, List<ExecutionView> executions) {
        static CommandView of(Command c, Map<ExecutionState, Integer> counts, List<Execution> executions) {
            Map<String, Integer> n = new LinkedHashMap<>();
            if (counts != null) {
                counts.forEach((k, v) -> n.put(k.name(), v));
            }
            return new CommandView(c.id(), c.type(), Json.tree(c.params()), c.target(), c.state().name(), c.requestedBy(),
                    c.approvedBy(), c.rollout().ratePerMinute(), c.rollout().abortFailurePct() == null ? null
                    : c.rollout().abortFailurePct() + "%:" + c.rollout().abortMinResults(), c.ttlSeconds(),
                    c.timeoutSeconds(), ApiViews.text(c.createdAt()), ApiViews.text(c.startedAt()),
                    ApiViews.text(c.expiresAt()), ApiViews.text(c.finishedAt()), c.reason(), counts == null ? null : n,
                    executions == null ? null : executions.stream().map(ExecutionView::of).toList());
        }
    }

    record ExecutionView(String deviceId, String state, String queuedAt, String sentAt, String deliveredAt,
                         String finishedAt, String reason, String detail) {
        static ExecutionView of(Execution e) {
            return new ExecutionView(e.deviceId(), e.state().name(), ApiViews.text(e.queuedAt()), ApiViews.text(e.sentAt()),
                    ApiViews.text(e.deliveredAt()), ApiViews.text(e.finishedAt()), e.reason(), e.detail());
        }
    }

    record CommandList(List<CommandView> commands, int count) {
    }

    record GroupView(String name, Integer members, List<String> devices) {
    }

    record GroupList(List<GroupView> groups, int count) {
    }

    ApiResponse create(ApiRequest r) {
        RequestBody b = r.json(Set.of("type", "params", "target", "rate", "abortAt", "ttlSeconds", "timeoutSeconds"));
        String type = b.text("type");
        JsonNode params = b.object("params");
        String target = b.text("target");
        Rollout rollout;
        try {
            int[] abort = Rollout.parseAbort(b.optionalText("abortAt"));
            rollout = new Rollout(Rollout.parseRate(b.optionalText("rate")), abort == null ? null : abort[0],
                    abort == null ? null : abort[1]);
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badRequest("invalid_field", e.getMessage());
        }
        Command c = call(() -> commands.create(type, params, target, rollout, b.optionalInt("ttlSeconds"),
                b.optionalInt("timeoutSeconds"), r.actor()));
        return ApiResponse.created(CommandView.of(c, null, null), c.id(), "/api/v1/commands/" + c.id());
    }

    ApiResponse list(ApiRequest r) {
        int limit = r.query(Set.of("limit")).intValue("limit", 1, 1_000, 50);
        List<CommandView> l = commands.recent(limit).stream().map(c -> CommandView.of(c, null, null)).toList();
        return ApiResponse.ok(new CommandList(l, l.size()), null);
    }

    ApiResponse show(ApiRequest r) {
        String devices = r.query(Set.of("devices")).get("devices");
        if (devices != null && !devices.equals("true") && !devices.equals("false")) {
            throw ApiProblem.badRequest("invalid_query", "query parameter 'devices' must be true or false");
        }
        String id = r.pathParam("id");
        Commands.Status s = call(() -> commands.status(id, "true".equals(devices)));
        return ApiResponse.ok(CommandView.of(s.command(), s.counts(), "true".equals(devices) ? s.executions() : null), id);
    }

    ApiResponse approve(ApiRequest r) {
        r.query(Set.of());
        String id = r.pathParam("id");
        Command c = call(() -> commands.approve(id, r.actor()));
        return ApiResponse.ok(CommandView.of(c, null, null), id);
    }

    ApiResponse cancel(ApiRequest r) {
        r.query(Set.of());
        String id = r.pathParam("id");
        Command c = call(() -> commands.cancel(id, r.actor()));
        return ApiResponse.ok(CommandView.of(c, null, null), id);
    }

    ApiResponse groups(ApiRequest r) {
        r.query(Set.of());
        List<GroupView> l = commands.groups().entrySet().stream().map(e -> new GroupView(e.getKey(), e.getValue(), null)).toList();
        return ApiResponse.ok(new GroupList(l, l.size()), null);
    }

    ApiResponse createGroup(ApiRequest r) {
        String name = r.json(Set.of("name")).text("name");
        call(() -> {
            commands.createGroup(name, r.actor());
            return null;
        });
        return ApiResponse.created(new GroupView(name, 0, List.of()), name, "/api/v1/groups/" + name);
    }

    ApiResponse showGroup(ApiRequest r) {
        r.query(Set.of());
        String name = r.pathParam("name");
        List<String> members = call(() -> commands.members(name));
        return ApiResponse.ok(new GroupView(name, members.size(), members), name);
    }

    ApiResponse addToGroup(ApiRequest r) {
        String name = r.pathParam("name");
        List<String> devices = r.json(Set.of("devices")).textList("devices");
        List<String> added = call(() -> commands.addToGroup(name, devices, r.actor()));
        List<String> members = commands.members(name);
        return ApiResponse.ok(Map.of("name", name, "added", added, "members", members.size()), name);
    }

    /** Runs a command operation, answering its refusals as problems. */
    private static <T> T call(java.util.function.Supplier<T> op) {
        try {
            return op.get();
        } catch (CommandException e) {
            int status = switch (e.kind()) {
                case INVALID -> 400;
                case FORBIDDEN -> 403;
                case NOT_FOUND -> 404;
                case CONFLICT -> 409;
            };
            throw new ApiProblem(status, e.code(), e.getMessage(), e.field(), Map.of());
        }
    }
}
