package io.deviceguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.device.DeviceImport;
import io.deviceguard.device.Manifest;
import io.deviceguard.pki.Csrs;
import io.deviceguard.platform.PlatformServices;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code device import MANIFEST --out DIR}: manufacturing import (admin). The rows are checked here first, with a
 * progress bar, so that a bad manifest is reported before anything is sent; the platform checks them again and
 * imports all of them or none. Each device's certificate chain is written to {@code DIR/ID.pem}.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Import devices made in the factory from a CSV manifest: device_id,model,PEM (a CSR, signed here",
                "by the device CA, or a certificate the device CA issued). All rows or none; bad rows are reported",
                "with their line. Re-running the same manifest changes nothing. Writes DIR/ID.pem per device."})
final class DeviceImportCommand implements Callable<Integer> {

    @Mixin
    HomeOption home;

    @Parameters(index = "0", paramLabel = "MANIFEST", description = "The CSV manifest")
    Path manifest;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Where to write each device's certificate chain")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        String csv;
        try {
            csv = Files.readString(manifest, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliFailure("cannot read " + manifest + ": " + e.getMessage(), e);
        }
        List<Manifest.Row> rows;
        try {
            rows = Manifest.parse(csv);
        } catch (DeviceImport.Rejected e) {
            throw rejected(e.errors());
        }
        precheck(rows, err);
        long t0 = System.nanoTime();
        List<String[]> written;
        int created;
        int unchanged;
        Optional<ApiClient> api = Connection.api(spec, home);
        err.printf("importing %d row(s)...%n", rows.size());
        err.flush();
        if (api.isPresent()) {
            JsonNode r = api.get().post("/api/v1/devices/import", Map.of("manifest", csv));
            created = r.path("created").asInt();
            unchanged = r.path("unchanged").asInt();
            written = new ArrayList<>();
            for (JsonNode d : r.path("devices")) {
                written.add(new String[] {d.path("id").asText(), d.path("certificate").asText()});
            }
        } else {
            Settings settings = home.settings(Map.of());
            try (PlatformServices s = PlatformServices.open(settings, false)) {
                DeviceImport.Result r;
                try {
                    r = new DeviceImport(s.pki(), s.registry(), s.certificates(), s.audit(), s.deviceKeys()).run(rows,
                            Duration.ofDays(settings.getInt(SettingKeys.PKI_DEVICE_VALIDITY_DAYS)), HostUser.name(),
                            Map.of("via", "host"));
                } catch (DeviceImport.Rejected e) {
                    throw rejected(e.errors());
                }
                created = r.created();
                unchanged = r.unchanged();
                written = r.devices().stream().map(d -> new String[] {d.deviceId(), d.chainPem()}).toList();
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        write(written, err);
        spec.commandLine().getOut().printf("Imported %d device(s): %d registered, %d unchanged (already registered so),"
                + " in %.1f s; certificates in %s%n", written.size(), created, unchanged, seconds, out);
        return 0;
    }

    /** The checks that need nothing but the row, done here so that a bad manifest fails fast and says where. */
    private void precheck(List<Manifest.Row> rows, PrintWriter err) {
        ProgressBar bar = new ProgressBar(err, "checking", rows.size());
        List<DeviceImport.RowError> errors = new ArrayList<>();
        int i = 0;
        for (Manifest.Row r : rows) {
            if (!io.deviceguard.device.DeviceId.isValid(r.deviceId())) {
                errors.add(new DeviceImport.RowError(r.line(), r.deviceId(), "bad_id", "invalid device ID '"
                        + io.deviceguard.device.DeviceId.printable(r.deviceId()) + "'"));
            } else if (r.pem().contains("CERTIFICATE REQUEST-----")) {
                try {
                    Csrs.Checked c = Csrs.check(r.pem());
                    if (!c.commonName().equals(r.deviceId())) {
                        errors.add(new DeviceImport.RowError(r.line(), r.deviceId(), "cn_mismatch", "the CSR's CN '"
                                + io.deviceguard.device.DeviceId.printable(c.commonName()) + "' is not the device ID"));
                    }
                } catch (Csrs.Refused e) {
                    errors.add(new DeviceImport.RowError(r.line(), r.deviceId(), e.code(), e.getMessage()));
                }
            }
            bar.step(++i);
        }
        if (!errors.isEmpty()) {
            throw rejected(errors);
        }
    }

    private void write(List<String[]> devices, PrintWriter err) {
        ProgressBar bar = new ProgressBar(err, "writing", devices.size());
        int i = 0;
        try {
            Files.createDirectories(out.toAbsolutePath());
            for (String[] d : devices) {
                Files.writeString(out.resolve(d[0] + ".pem"), d[1], StandardCharsets.US_ASCII);
                bar.step(++i);
            }
        } catch (IOException e) {
            throw new CliFailure("the devices are imported, but their certificates could not all be written to " + out
                    + ": " + e.getMessage() + " (re-run the import: it is idempotent and writes them again)", e);
        }
    }

    private static CliFailure rejected(List<DeviceImport.RowError> errors) {
        StringBuilder sb = new StringBuilder(errors.size() + " bad row(s); nothing was imported:");
        for (DeviceImport.RowError e : errors) {
            sb.append(System.lineSeparator()).append("  line ").append(e.line()).append(": ").append(e.code()).append(": ")
                    .append(e.message());
        }
        return new CliFailure(sb.toString());
    }
}
