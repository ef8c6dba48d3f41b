package io.deviceguard.device;

import java.util.ArrayList;
import java.util.List;

/**
 * A manufacturing manifest: CSV (RFC 4180: fields with commas, quotes or line breaks are quoted, {@code ""} is a
 * quote), one device a row: {@code device_id,model,pem} where pem is a CSR or a certificate. An optional header row
 * starting with {@code device_id} is skipped, as are blank lines. Each row keeps the line it starts on, for reports.
 */
public final class Manifest {

    /** One row: where it starts, and its three fields (model may be empty). */
    public record Row(int line, String deviceId, String model, String pem) {
    }

    private Manifest() {
    }

    /** Parses the manifest; a row that is not three fields is an error of that line, all reported together. */
    public static List<Row> parse(String text) {
        List<Row> rows = new ArrayList<>();
        List<DeviceImport.RowError> errors = new ArrayList<>();
        int line = 1;
        int i = 0;
        int n = text.length();
        if (n > 0 && text.charAt(0) == '\uFEFF') {
            i = 1;
        }
        while (i < n) {
            int start = line;
            List<String> fields = new ArrayList<>();
            StringBuilder f = new StringBuilder();
            boolean quoted = false;
            boolean fieldWasQuoted = false;
            boolean unterminated = false;
            while (true) {
                if (i >= n) {
                    unterminated = quoted;
                    break;
                }
                char c = text.charAt(i++);
                if (quoted) {
                    if (c == '"') {
                        if (i < n && text.charAt(i) == '"') {
                            f.append('"');
                            i++;
                        } else {
                            quoted = false;
                        }
                    } else {
                        if (c == '\n') {
                            line++;
                        }
                        f.append(c);
                    }
                } else if (c == '"' && f.isEmpty() && !fieldWasQuoted) {
                    quoted = true;
                    fieldWasQuoted = true;
                } else if (c == ',') {
                    fields.add(f.toString());
                    f.setLength(0);
                    fieldWasQuoted = false;
                } else if (c == '\n') {
                    line++;
                    break;
                } else if (c != '\r') {
                    f.append(c);
                }
            }
            fields.add(f.toString());
            if (unterminated) {
                errors.add(new DeviceImport.RowError(start, null, "bad_row", "a quoted field is not closed"));
                break;
            }
            if (fields.size() == 1 && fields.get(0).isBlank()) {
                continue;
            }
            if (rows.isEmpty() && errors.isEmpty() && fields.get(0).strip().equalsIgnoreCase("device_id")) {
                continue;
            }
            if (fields.size() != 3) {
                errors.add(new DeviceImport.RowError(start, fields.get(0).strip(), "bad_row",
                        "expected 3 fields (device_id, model, CSR or certificate PEM), found " + fields.size()));
                continue;
            }
            rows.add(new Row(start, fields.get(0).strip(), fields.get(1).strip(), fields.get(2).strip()));
        }
        if (!errors.isEmpty()) {
            throw new DeviceImport.Rejected(errors);
        }
        if (rows.isEmpty()) {
            throw new DeviceImport.Rejected(List.of(new DeviceImport.RowError(1, null, "empty_manifest",
                    "the manifest has no device rows")));
        }
        return rows;
    }

    /** Quotes a field for a manifest row. */
    public static String quote(String field) {
        return "\"" + field.replace("\"", "\"\"") + "\"";
    }
}
