package io.deviceguard.broker;

import io.netty.buffer.ByteBuf;
import java.util.function.IntConsumer;

/**
 * Follows the packet boundaries of the bytes the broker writes to one connection, however they are split into
 * buffers, and reports each packet's type as its fixed header completes. Reads without consuming.
 */
final class OutboundScanner {

    private long toSkip;
    private int type = -1;
    private int length;
    private int multiplier;
    private int lengthBytes;

    void scan(ByteBuf bytes, IntConsumer packetType) {
        int i = bytes.readerIndex();
        int end = bytes.writerIndex();
        while (i < end) {
            if (toSkip > 0) {
                int n = (int) Math.min(toSkip, end - i);
                i += n;
                toSkip -= n;
                continue;
            }
            int b = bytes.getUnsignedByte(i++);
            if (type < 0) {
                type = b >> 4;
                length = 0;
                multiplier = 1;
                lengthBytes = 0;
                continue;
            }
            length += (b & 0x7F) * multiplier;
            multiplier *= 128;
            lengthBytes++;
            if ((b & 0x80) == 0 || lengthBytes == 4) {
                packetType.accept(type);
                toSkip = length;
                type = -1;
            }
        }
    }
}
