package io.deviceguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.pki.Certificates;
import io.deviceguard.pki.Pem;
import io.deviceguard.pki.Pki;
import io.deviceguard.testing.TestDatabase;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The command line as an operator uses it, in-process: {@code device create}, {@code audit list}, {@code --help}.
 * One home for the class: the first {@code device create} generates its PKI and database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class CliIT {

    @TempDir
    static Path tmp;

    private Path home;
    private Path out;
    private Result created;

    /** What a command printed and returned. */
    record Result(int exit, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = DeviceGuardCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true),
                TestDatabase.cliEnvironment(args), args).execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    /** The same, with every command built (the command line builds only the one it is to run). */
    static Result runInWholeTree(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = DeviceGuardCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true),
                TestDatabase.cliEnvironment(args)).execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @BeforeAll
    void createDevice() {
        home = tmp.resolve("home");
        out = tmp.resolve("out");
        created = run("device", "create", "dev1", "--home", home.toString(), "--out", out.toString());
    }

    @Test
    void deviceCreateExitsZeroAndSaysWhatItDid() {
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).contains("Device dev1 registered (ACTIVE)").contains(out.resolve("dev1.p12").toString());
        assertThat(created.err()).isEmpty();
    }

    @Test
    void deviceKeyIsOwnerOnlyAndMatchesItsCertificate() throws Exception {
        Path key = out.resolve("dev1.key");

        assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(out.resolve("dev1.p12.password")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));

        PrivateKey privateKey = Pem.readPrivateKey(key);
        X509Certificate cert = Pem.readCertificates(out.resolve("dev1.pem")).get(0);
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(privateKey);
        s.update("proof".getBytes(StandardCharsets.US_ASCII));
        byte[] sig = s.sign();
        s.initVerify(cert.getPublicKey());
        s.update("proof".getBytes(StandardCharsets.US_ASCII));
        assertThat(s.verify(sig)).as("dev1.key is the key of dev1.pem").isTrue();
    }

    @Test
    void devicePemHoldsTheDeviceCertificateThenTheDeviceCa() throws Exception {
        List<X509Certificate> chain = Pem.readCertificates(out.resolve("dev1.pem"));
        X509Certificate deviceCa = Pem.readCertificate(home.resolve("certs").resolve(Pki.DEVICE_CA));

        assertThat(chain).hasSize(2);
        assertThat(Certificates.commonName(chain.get(0))).contains("dev1");
        assertThat(Certificates.fingerprint(chain.get(1))).isEqualTo(Certificates.fingerprint(deviceCa));
        chain.get(0).verify(deviceCa.getPublicKey());
    }

    @Test
    void pkcs12OpensWithThePasswordWrittenBesideIt() throws Exception {
        char[] password = Files.readString(out.resolve("dev1.p12.password"), StandardCharsets.US_ASCII).trim().toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(out.resolve("dev1.p12"))) {
            ks.load(in, password);
        }

        String alias = ks.aliases().nextElement();
        assertThat(ks.isKeyEntry(alias)).isTrue();
        assertThat(ks.getKey(alias, password)).isNotNull();
        assertThat(Certificates.commonName((X509Certificate) ks.getCertificateChain(alias)[0])).contains("dev1");
        assertThat(Files.getPosixFilePermissions(out.resolve("dev1.p12")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void caPemIsTheRootCaThatSignedTheServerCertificate() throws Exception {
        X509Certificate ca = Pem.readCertificate(out.resolve("ca.pem"));
        X509Certificate root = Pem.readCertificate(home.resolve("certs").resolve(Pki.ROOT_CA));
        X509Certificate server = Pem.readCertificate(home.resolve("certs").resolve(Pki.SERVER_CERT));

        assertThat(Pem.readCertificates(out.resolve("ca.pem"))).hasSize(1);
        assertThat(Certificates.fingerprint(ca)).isEqualTo(Certificates.fingerprint(root));
        server.verify(ca.getPublicKey());
    }

    @Test
    void secondCreateOfTheSameIdIsRefused() throws Exception {
        byte[] keyBefore = Files.readAllBytes(out.resolve("dev1.key"));

        Result again = run("device", "create", "dev1", "--home", home.toString(), "--out", out.toString());

        assertThat(again.exit()).isEqualTo(DeviceGuardCommand.EXIT_FAILURE);
        assertThat(again.err()).contains("already registered").contains("dev1");
        assertThat(Files.readAllBytes(out.resolve("dev1.key"))).as("the first device's key is not overwritten")
                .isEqualTo(keyBefore);
    }

    @Test
    void invalidIdIsRefusedQuotingTheRuleAndLeavesNothingBehind() {
        Path fresh = tmp.resolve("fresh-home");
        Path freshOut = tmp.resolve("fresh-out");

        Result r = run("device", "create", "bad id!", "--home", fresh.toString(), "--out", freshOut.toString());

        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("'bad id!'")
                .contains("1-64 characters, letters, digits, '.', '_' or '-', starting with a letter or digit");
        assertThat(fresh).doesNotExist();
        assertThat(freshOut).doesNotExist();
    }

    @Test
    void auditListShowsTheDeviceCreationByTheHostUser() {
        Result r = run("audit", "list", "--home", home.toString(), "--limit", "5");

        assertThat(r.exit()).as(r.err()).isZero();
        String user = System.getProperty("user.name");
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).contains("SEQ").contains("ACTOR").contains("ACTION");
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .contains("device").contains("success").contains("host:" + user).contains("create").contains("dev1"));
        assertThat(lines.size() - 1).isBetween(1, 5);
    }

    @Test
    void auditListFiltersByCategory() {
        Result devices = run("audit", "list", "--home", home.toString(), "--category", "device");
        Result platform = run("audit", "list", "--home", home.toString(), "--category", "platform");

        assertThat(devices.exit()).as(devices.err()).isZero();
        assertThat(devices.out().lines().skip(1).toList()).isNotEmpty()
                .allSatisfy(line -> assertThat(line.split("\\s+")[2]).isEqualTo("device"));
        assertThat(platform.out().lines().count()).as("only the header: the platform never ran in this home").isEqualTo(1);
    }

    @Test
    void auditListRefusesAnAbsurdLimit() {
        Result r = run("audit", "list", "--home", home.toString(), "--limit", "0");

        assertThat(r.exit()).isEqualTo(DeviceGuardCommand.EXIT_FAILURE);
        assertThat(r.err()).contains("--limit must be between 1 and 100000");
    }

    static Stream<List<String>> commands() {
        return Stream.of(List.of(), List.of("run"), List.of("device"), List.of("device", "create"), List.of("audit"),
                List.of("audit", "list"));
    }

    @ParameterizedTest(name = "deviceguard {0} --help")
    @MethodSource("commands")
    void helpWorksOnEveryCommand(List<String> command) {
        String[] args = Stream.concat(command.stream(), Stream.of("--help")).toArray(String[]::new);

        Result r = run(args);

        assertThat(r.exit()).isZero();
        String name = command.isEmpty() ? "deviceguard" : "deviceguard " + String.join(" ", command);
        assertThat(r.out()).startsWith("Usage: " + name).contains("-h, --help");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void helpOfRunAndDeviceCreateDescribeTheirOptions() {
        assertThat(run("run", "--help").out()).contains("--mqtt-port").contains("--home").contains("--name=value");
        assertThat(run("device", "create", "--help").out()).contains("--out").contains("ID.p12.password");
    }

    @Test
    void theTopLevelHelpListsEveryCommand() {
        String help = run("--help").out();

        for (Class<?> c : DeviceGuardCommand.SUBCOMMANDS) {
            assertThat(help).contains("  " + c.getAnnotation(picocli.CommandLine.Command.class).name() + " ");
        }
    }

    @Test
    void aMistypedCommandIsAUsageErrorThatNamesTheClosestCommand() {
        Result r = run("devcie", "list");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("Unmatched arguments from index 0: 'devcie'").contains("Did you mean: deviceguard device?");
    }

    @ParameterizedTest(name = "deviceguard {0} --help")
    @MethodSource("commands")
    void aCommandBuiltAloneHelpsAndFailsExactlyAsInTheWholeTree(List<String> command) {
        String[] help = Stream.concat(command.stream(), Stream.of("--help")).toArray(String[]::new);
        String[] bogus = Stream.concat(command.stream(), Stream.of("--bogus")).toArray(String[]::new);

        assertThat(run(help)).isEqualTo(runInWholeTree(help));
        assertThat(run(bogus)).isEqualTo(runInWholeTree(bogus));
    }

    @Test
    void unknownOptionIsAUsageError() {
        Result r = run("device", "create", "dev9", "--bogus");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown option: '--bogus'");
    }
}
