package io.deviceguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code deviceguard command ...}: signed cloud-to-device commands, sent and followed through the running platform. */
@Command(name = "command", mixinStandardHelpOptions = true,
        description = "Send signed commands to devices and follow them (over the admin API).",
        subcommands = {CommandCommand.Send.class, CommandCommand.Approve.class, CommandCommand.Status.class,
                CommandCommand.Cancel.class, CommandCommand.ListCommands.class})
public final class CommandCommand {

    @Command(name = "send", mixinStandardHelpOptions = true,
            description = {"Send a command. High-risk types (remote-access, software-update by default) wait for",
                    "a second operator or admin: deviceguard command approve ID."})
    static final class Send implements Callable<Integer> {
        @Option(names = "--type", required = true, paramLabel = "TYPE",
                description = "configure, reboot, remote-access, software-update, or a configured custom type")
        String type;
        @Option(names = "--target", required = true, paramLabel = "TARGET", description = "device:ID[,ID...], group:NAME or all")
        String target;
        @Option(names = "--params", paramLabel = "JSON", description = "The parameters, a JSON object (default {})")
        String params;
        @Option(names = "--rate", paramLabel = "N/min", description = "At most this many sends a minute, e.g. 100/min")
        String rate;
        @Option(names = "--abort-at", paramLabel = "P%:N",
                description = "Abort when more than P percent of at least N results are failures, e.g. 10%:20")
        String abortAt;
        @Option(names = "--ttl", paramLabel = "DURATION", description = "How long the command waits for offline devices, e.g. 30m, 1h, 2d")
        String ttl;
        @Option(names = "--timeout", paramLabel = "DURATION", description = "How long a device may take to answer, e.g. 90s, 5m")
        String timeout;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("type", type);
            body.put("target", target);
            if (params != null) {
                try {
                    body.put("params", ApiClient.JSON.readTree(params));
                } catch (IOException e) {
                    throw new CliFailure("--params is not JSON: " + e.getMessage());
                }
            }
            if (rate != null) {
                body.put("rate", rate);
            }
            if (abortAt != null) {
                body.put("abortAt", abortAt);
            }
            if (ttl != null) {
                body.put("ttlSeconds", seconds(ttl, "--ttl"));
            }
            if (timeout != null) {
                body.put("timeoutSeconds", seconds(timeout, "--timeout"));
            }
            JsonNode c = ApiOnly.client(spec).post("/api/v1/commands", body);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("Command %s (%s to %s): %s%n", c.path("id").asText(), type, c.path("target").asText(),
                    c.path("state").asText());
            if (c.path("state").asText().equals("PENDING_APPROVAL")) {
                out.printf("It needs the approval of another operator or admin: deviceguard command approve %s%n", c.path("id").asText());
            }
            return 0;
        }
    }

    static int seconds(String text, String option) {
        Matcher m = Pattern.compile("(\\d{1,7})([smhd])").matcher(text.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new CliFailure(option + " '" + text + "' is not a duration such as 90s, 30m, 1h or 2d");
        }
        long n = Long.parseLong(m.group(1));
        long s = switch (m.group(2)) {
            case "s" -> n;
            case "m" -> n * 60;
            case "h" -> n * 3600;
            default -> n * 86400;
        };
        if (s > Integer.MAX_VALUE) {
            throw new CliFailure(option + " '" + text + "' is too long");
        }
        return (int) s;
    }

    @Command(name = "approve", mixinStandardHelpOptions = true,
            description = "Approve a high-risk command; the user who sent it cannot.")
    static final class Approve implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "CMD_ID")
        String id;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            JsonNode c = ApiOnly.client(spec).post("/api/v1/commands/" + id + "/approve", null);
            spec.commandLine().getOut().printf("Command %s approved by %s: %s%n", id, c.path("approvedBy").asText(),
                    c.path("state").asText());
            return 0;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a command: executions not yet finished end CANCELLED.")
    static final class Cancel implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "CMD_ID")
        String id;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            JsonNode c = ApiOnly.client(spec).post("/api/v1/commands/" + id + "/cancel", null);
            spec.commandLine().getOut().printf("Command %s: %s%n", id, c.path("state").asText());
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Counts per execution state; per device with --devices.")
    static final class Status implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "CMD_ID")
        String id;
        @Option(names = "--devices", description = "Also list each device's execution")
        boolean devices;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            JsonNode c = ApiOnly.client(spec).get("/api/v1/commands/" + id, devices ? Map.of("devices", "true") : Map.of());
            PrintWriter out = spec.commandLine().getOut();
            out.printf("Command %s: %s to %s, %s%n", c.path("id").asText(), c.path("type").asText(),
                    c.path("target").asText(), c.path("state").asText());
            out.printf("  requested by %s at %s%s%n", c.path("requestedBy").asText(), c.path("createdAt").asText(),
                    c.path("approvedBy").isTextual() ? ", approved by " + c.path("approvedBy").asText() : "");
            if (c.path("reason").isTextual()) {
                out.printf("  %s%n", c.path("reason").asText());
            }
            StringBuilder counts = new StringBuilder();
            c.path("counts").fields().forEachRemaining(e -> {
                if (e.getValue().asInt() > 0) {
                    counts.append(counts.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue().asInt());
                }
            });
            out.printf("  executions: %s%n", counts);
            if (devices) {
                out.printf("%-32s %-10s %-26s %-26s %s%n", "DEVICE", "STATE", "SENT", "FINISHED", "REASON / DETAIL");
                for (JsonNode e : c.path("executions")) {
                    out.printf("%-32s %-10s %-26s %-26s %s%n", e.path("deviceId").asText(), e.path("state").asText(),
                            e.path("sentAt").asText("-"), e.path("finishedAt").asText("-"),
                            (e.path("reason").asText("") + " " + e.path("detail").asText("")).trim());
                }
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The newest commands.")
    static final class ListCommands implements Callable<Integer> {
        @Option(names = "--limit", defaultValue = "20", paramLabel = "N")
        int limit;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            JsonNode r = ApiOnly.client(spec).get("/api/v1/commands", Map.of("limit", Integer.toString(limit)));
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-36s %-16s %-17s %-24s %s%n", "ID", "TYPE", "STATE", "CREATED (UTC)", "TARGET");
            r.path("commands").forEach(c -> out.printf("%-36s %-16s %-17s %-24s %s%n", c.path("id").asText(),
                    c.path("type").asText(), c.path("state").asText(), c.path("createdAt").asText(), c.path("target").asText()));
            return 0;
        }
    }
}
