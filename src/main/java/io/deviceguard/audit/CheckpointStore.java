package io.deviceguard.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PrivateKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Where checkpoints live: in the database (table {@code audit_checkpoints}) and, for a verifier that must not
 * trust the database, appended to {@code checkpoints.jsonl} in the audit folder (fsync, file-locked so host
 * commands and the platform can append together). The folder also holds {@code head.json}, the last (seq, hash)
 * written, rewritten after every batch: with it a verifier notices a tail truncated after the last checkpoint.
 */
public final class CheckpointStore {

    static final ObjectMapper JSON = new ObjectMapper();
    private final DataSource dataSource;
    private final Path dir;
    private final PrivateKey key;

    public CheckpointStore(DataSource dataSource, Path dir, PrivateKey key) {
        this.dataSource = dataSource;
        this.dir = dir;
        this.key = key;
    }

    PrivateKey key() {
        return key;
    }

    public Path file() {
        return dir.resolve("checkpoints.jsonl");
    }

    public Path headFile() {
        return dir.resolve("head.json");
    }

    /** Signs and stores a checkpoint of row (seq, hash). */
    public Checkpoint checkpoint(long seq, String hash, String kind) {
        Checkpoint cp = Checkpoint.sign(seq, hash, Instant.now().truncatedTo(ChronoUnit.MILLIS), kind, key);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("insert into audit_checkpoints (seq, hash, ts, kind, signature) values (?, ?, ?, ?, ?)")) {
            ps.setLong(1, cp.seq());
            ps.setString(2, cp.hash());
            ps.setObject(3, cp.ts().atOffset(ZoneOffset.UTC));
            ps.setString(4, cp.kind());
            ps.setString(5, cp.signature());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store an audit checkpoint: " + e.getMessage(), e);
        }
        append(toJson(cp).toString() + "\n");
        return cp;
    }

    /** Checkpoints the current head of the chain (the newest row). */
    public Checkpoint checkpointHead(String kind) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select seq, hash from audit_head where id = 1");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return checkpoint(rs.getLong(1), rs.getString(2).trim(), kind);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the audit head: " + e.getMessage(), e);
        }
    }

    public void writeHead(long seq, String hash) {
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve("head.json.tmp");
            ObjectNode n = JSON.createObjectNode().put("seq", seq).put("hash", hash);
            Files.writeString(tmp, n.toString());
            Files.move(tmp, headFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + headFile() + ": " + e.getMessage(), e);
        }
    }

    /** The last row written, as head.json records it; empty when there is no such file. */
    public static java.util.Optional<AuditVerifier.Head> readHead(Path headFile) throws IOException {
        if (!Files.isRegularFile(headFile)) {
            return java.util.Optional.empty();
        }
        JsonNode n = JSON.readTree(Files.readString(headFile, StandardCharsets.UTF_8));
        return java.util.Optional.of(new AuditVerifier.Head(n.path("seq").asLong(), n.path("hash").asText()));
    }

    public static List<Checkpoint> readFile(Path file) throws IOException {
        List<Checkpoint> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                out.add(fromJson(JSON.readTree(line)));
            }
        }
        return out;
    }

    public List<Checkpoint> readDatabase() {
        List<Checkpoint> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select seq, hash, ts, kind, signature from audit_checkpoints order by id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Checkpoint(rs.getLong(1), rs.getString(2).trim(), rs.getObject(3, OffsetDateTime.class).toInstant(),
                        rs.getString(4), rs.getString(5)));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read audit checkpoints: " + e.getMessage(), e);
        }
    }

    static ObjectNode toJson(Checkpoint cp) {
        return JSON.createObjectNode().put("seq", cp.seq()).put("hash", cp.hash()).put("ts", cp.ts().toString())
                .put("kind", cp.kind()).put("signature", cp.signature());
    }

    static Checkpoint fromJson(JsonNode n) {
        return new Checkpoint(n.path("seq").asLong(), n.path("hash").asText(), Instant.parse(n.path("ts").asText()),
                n.path("kind").asText(), n.path("signature").asText());
    }

    private void append(String line) {
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                 FileLock lock = ch.lock()) {
                ch.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot append to " + file() + ": " + e.getMessage(), e);
        }
    }
}
