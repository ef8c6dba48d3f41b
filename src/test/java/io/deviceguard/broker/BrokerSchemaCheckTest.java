package io.deviceguard.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.broker.BrokerSchemaCheck.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.activemq.artemis.utils.XMLUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * broker.xml is checked against the Artemis schema once per text: an unchanged file is not checked again at the next
 * start, an edited one is, and one that does not conform is reported at every start.
 */
class BrokerSchemaCheckTest {

    private static final String CONFORMING = """
            <configuration xmlns="urn:activemq" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                           xsi:schemaLocation="urn:activemq /schema/artemis-configuration.xsd">
              <core xmlns="urn:activemq:core">
                <name>%s</name>
                <journal-file-size>10M</journal-file-size>
              </core>
            </configuration>
            """;

    private static final String MISTYPED = CONFORMING.replace("journal-file-size", "journal-file-sise");

    @TempDir
    Path dir;

    private Outcome check(String text) throws Exception {
        return BrokerSchemaCheck.check(XMLUtil.stringToElement(text), text, "broker.xml", dir.resolve("broker"), List.of())
                .outcome();
    }

    @Test
    void aConformingFileIsCheckedOnceAndNotAgainWhileItIsUnchanged() throws Exception {
        assertThat(check(CONFORMING.formatted("a"))).isEqualTo(Outcome.CONFORMS);
        assertThat(dir.resolve("broker").resolve(BrokerSchemaCheck.MARKER)).isRegularFile();

        assertThat(check(CONFORMING.formatted("a"))).isEqualTo(Outcome.CONFORMED_BEFORE);
    }

    @Test
    void anEditedFileIsCheckedAgain() throws Exception {
        check(CONFORMING.formatted("a"));

        assertThat(check(CONFORMING.formatted("b"))).isEqualTo(Outcome.CONFORMS);
        assertThat(check(MISTYPED.formatted("b"))).isEqualTo(Outcome.DOES_NOT_CONFORM);
    }

    @Test
    void aFileThatDoesNotConformIsReportedAtEveryStartAndLeavesTheLastGoodMarkerAlone() throws Exception {
        check(CONFORMING.formatted("a"));
        String marker = Files.readString(dir.resolve("broker").resolve(BrokerSchemaCheck.MARKER));

        assertThat(check(MISTYPED.formatted("a"))).isEqualTo(Outcome.DOES_NOT_CONFORM);
        assertThat(check(MISTYPED.formatted("a"))).isEqualTo(Outcome.DOES_NOT_CONFORM);
        assertThat(Files.readString(dir.resolve("broker").resolve(BrokerSchemaCheck.MARKER))).isEqualTo(marker);
    }

    @Test
    void whatDoesNotConformIsReportedWithoutThePasswordsFilledIntoTheFile() throws Exception {
        // a boolean element holding a filled-in password, as a misplaced placeholder would leave it
        String text = CONFORMING.formatted("a").replace("<journal-file-size>10M</journal-file-size>",
                "<persistence-enabled>Hunter2-s3cret</persistence-enabled>");

        BrokerSchemaCheck.Checked checked = BrokerSchemaCheck.check(XMLUtil.stringToElement(text), text, "broker.xml",
                dir.resolve("broker"), List.of("Hunter2-s3cret"));

        assertThat(checked.outcome()).isEqualTo(Outcome.DOES_NOT_CONFORM);
        assertThat(checked.problem()).contains("***").doesNotContain("Hunter2-s3cret");
    }

    @Test
    void aDamagedMarkerMeansTheFileIsCheckedAgain() throws Exception {
        check(CONFORMING.formatted("a"));
        Files.writeString(dir.resolve("broker").resolve(BrokerSchemaCheck.MARKER), "garbage");

        assertThat(check(CONFORMING.formatted("a"))).isEqualTo(Outcome.CONFORMS);
        assertThat(check(CONFORMING.formatted("a"))).isEqualTo(Outcome.CONFORMED_BEFORE);
    }
}
