package io.deviceguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code deviceguard group ...}: static device groups, the targets of {@code command send --target group:NAME}. */
@Command(name = "group", mixinStandardHelpOptions = true, description = "Static device groups (operator, admin; over the admin API).",
        subcommands = {GroupCommand.Create.class, GroupCommand.Add.class, GroupCommand.ListGroups.class, GroupCommand.Show.class})
public final class GroupCommand {

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an empty group.")
    static final class Create implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "1-64 letters, digits, '.', '_' or '-'")
        String name;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            ApiOnly.client(spec).post("/api/v1/groups", Map.of("name", name));
            spec.commandLine().getOut().printf("Group %s created%n", name);
            return 0;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add registered devices to a group.")
    static final class Add implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "DEVICE")
        List<String> devices;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            JsonNode r = ApiOnly.client(spec).post("/api/v1/groups/" + name + "/members", Map.of("devices", devices));
            spec.commandLine().getOut().printf("Added %d device(s) to %s; it has %d%n", r.path("added").size(), name,
                    r.path("members").asInt());
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the groups and their sizes.")
    static final class ListGroups implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            JsonNode r = ApiOnly.client(spec).get("/api/v1/groups", Map.of());
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-32s %s%n", "GROUP", "DEVICES");
            r.path("groups").forEach(g -> out.printf("%-32s %d%n", g.path("name").asText(), g.path("members").asInt()));
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print the devices of a group.")
    static final class Show implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            JsonNode r = ApiOnly.client(spec).get("/api/v1/groups/" + name, Map.of());
            r.path("devices").forEach(d -> spec.commandLine().getOut().println(d.asText()));
            return 0;
        }
    }
}
