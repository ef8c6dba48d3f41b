package io.deviceguard.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where audit events wait while the database is unavailable: an append-only local file, fsync'd before the caller
 * is told its event is durable. When the database returns, the events are appended to the chain in the order
 * they happened (with their original times) and the file is emptied.
 */
final class AuditJournal {

    private final Path file;

    AuditJournal(Path file) {
        this.file = file;
    }

    boolean isEmpty() {
        try {
            return !Files.exists(file) || Files.size(file) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    long size() {
        try {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).count() : 0;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Appends and forces the events to disk. */
    void append(List<AuditEvent> events, List<Instant> times) throws IOException {
        StringBuilder sb = new StringBuilder();
        Iterator<Instant> t = times.iterator();
        for (AuditEvent e : events) {
            ObjectNode n = CheckpointStore.JSON.createObjectNode();
            n.put("ts", t.next().toString());
            n.put("category", e.category().name());
            n.put("actorType", e.actorType().name());
            n.put("actor", e.actor());
            n.put("action", e.action());
            n.put("target", e.target());
            n.put("outcome", e.outcome().name());
            n.set("details", CheckpointStore.JSON.valueToTree(e.details()));
            sb.append(n).append('\n');
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
    }

    /** The waiting events, oldest first, with their original times. */
    List<Map.Entry<AuditEvent, Instant>> read() throws IOException {
        List<Map.Entry<AuditEvent, Instant>> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = CheckpointStore.JSON.readTree(line);
            Map<String, Object> details = new TreeMap<>();
            n.path("details").fields().forEachRemaining(f -> details.put(f.getKey(),
                    f.getValue().isNumber() ? f.getValue().numberValue() : f.getValue().isBoolean() ? f.getValue().booleanValue()
                            : f.getValue().asText()));
            AuditEvent e = new AuditEvent(AuditCategory.valueOf(n.path("category").asText()),
                    AuditEvent.ActorType.valueOf(n.path("actorType").asText()), n.path("actor").asText(),
                    n.path("action").asText(), n.path("target").isNull() ? null : n.path("target").asText(null),
                    AuditEvent.Outcome.valueOf(n.path("outcome").asText()), details);
            out.add(Map.entry(e, Instant.parse(n.path("ts").asText())));
        }
        return out;
    }

    void clear() throws IOException {
        Files.deleteIfExists(file);
    }
}
