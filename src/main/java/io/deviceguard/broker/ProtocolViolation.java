package io.deviceguard.broker;

/**
 * Why a connection was closed for what it sent, before or beside the broker's own decoder. The code is what the
 * audit trail records in {@code details.reason}; MQTT 5 clients that got as far as a CONNECT are told the reason
 * code first (DISCONNECT), others are simply closed.
 */
public enum ProtocolViolation {
    NOT_MQTT("the first packet was not an MQTT CONNECT [MQTT-3.1.0-1]", 0x81),
    MALFORMED_REMAINING_LENGTH("a remaining length longer than four bytes [MQTT-1.5.5]", 0x81),
    PACKET_TOO_LARGE("a packet larger than the broker's maximum packet size", 0x95),
    SECOND_CONNECT("a second CONNECT on one connection [MQTT-3.1.0-2]", 0x82),
    DUPLICATE_PROPERTY("an MQTT 5 property other than User Property given twice [MQTT-2.2.2-2]", 0x82),
    MALFORMED_UTF8("a string that is not well-formed UTF-8 or holds U+0000 [MQTT-1.5.4-1, MQTT-1.5.4-2]", 0x81),
    TOPIC_NAME_INVALID("an empty topic name without a topic alias [MQTT-4.7.3-1], or one deeper than allowed", 0x90),
    TOPIC_FILTER_INVALID("an empty topic filter [MQTT-4.7.3-1], or one deeper than allowed", 0x8F),
    PUBLISH_FLOOD("publishing beyond the allowance without a pause", 0x96);

    private final String text;
    private final int reasonCode;

    ProtocolViolation(String text, int reasonCode) {
        this.text = text;
        this.reasonCode = reasonCode;
    }

    public String code() {
        return name().toLowerCase();
    }

    public String text() {
        return text;
    }

    /** The MQTT 5 DISCONNECT reason code. */
    int reasonCode() {
        return reasonCode;
    }
}
