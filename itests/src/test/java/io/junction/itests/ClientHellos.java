package io.junction.itests;

import static org.junit.Assert.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * Real ClientHellos from the JDK (an SSLEngine in client mode, wrapped once) and re-shaped
 * copies of them, for the cases a browser sends rarely but a router must survive.
 *
 * <pre>
 * RFC 8446 5.1 (TLSPlaintext), the record that carries the hello:
 *   struct { ContentType type;            // 22 = handshake
 *            ProtocolVersion legacy_record_version;
 *            uint16 length;               // at most 2^14
 *            opaque fragment[length]; } TLSPlaintext;
 * RFC 8446 4 and 4.1.2, the handshake message inside (may span several records):
 *   struct { HandshakeType msg_type;      // 1 = client_hello
 *            uint24 length; ClientHello body; } Handshake;
 *   struct { ProtocolVersion legacy_version; Random random;   // 2 + 32 bytes
 *            opaque legacy_session_id&lt;0..32&gt;;
 *            CipherSuite cipher_suites&lt;2..2^16-2&gt;;
 *            opaque legacy_compression_methods&lt;1..2^8-1&gt;;
 *            Extension extensions&lt;8..2^16-1&gt;; } ClientHello;
 *   struct { ExtensionType extension_type; opaque extension_data&lt;0..2^16-1&gt;; } Extension;
 * RFC 6066 3: server_name is extension type 0: list length (2), name_type (1, 0 = host_name),
 *   HostName length (2), then the name.
 * RFC 7685: padding is extension type 21, its data all zero bytes.
 * </pre>
 */
final class ClientHellos {
    static final int HEADER = 5;
    static final int MAX_RECORD_PAYLOAD = 1 << 14;

    private ClientHellos() {
    }

    /** One TLS record holding one whole ClientHello with {@code sni}, as the JDK sends it. */
    static byte[] real(String sni) throws SSLException {
        SSLEngine engine = TlsClient.clientEngine(sni);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        SSLEngineResult result = engine.wrap(ByteBuffer.allocate(0), out);
        assertEquals(SSLEngineResult.Status.OK, result.getStatus());
        out.flip();
        byte[] record = new byte[out.remaining()];
        out.get(record);
        assertEquals("content type handshake", 22, record[0]);
        assertEquals("one record", record.length - HEADER, u16(record, 3));
        assertEquals("client_hello", 1, record[HEADER]);
        assertEquals("one handshake message", record.length - HEADER - 4, u24(record, HEADER + 1));
        return record;
    }

    /**
     * The same handshake message re-framed into two records, the first holding
     * {@code firstLength} bytes of it (RFC 8446 5.1 allows any fragmentation of handshake data).
     */
    static byte[] splitIntoTwoRecords(byte[] record, int firstLength) {
        byte[] handshake = Arrays.copyOfRange(record, HEADER, record.length);
        byte[] out = new byte[handshake.length + 2 * HEADER];
        writeHeader(out, 0, record, firstLength);
        System.arraycopy(handshake, 0, out, HEADER, firstLength);
        int second = handshake.length - firstLength;
        writeHeader(out, HEADER + firstLength, record, second);
        System.arraycopy(handshake, firstLength, out, 2 * HEADER + firstLength, second);
        return out;
    }

    /**
     * Offset, within the handshake message (after the record header), of the first byte of the
     * host name in the server_name extension.
     */
    static int hostNameOffset(byte[] record) {
        byte[] handshake = Arrays.copyOfRange(record, HEADER, record.length);
        int pos = extensionsStart(handshake);
        int end = handshake.length;
        while (pos + 4 <= end) {
            int type = u16(handshake, pos);
            int length = u16(handshake, pos + 2);
            if (type == 0) {
                // list length (2), name_type (1), name length (2)
                return pos + 4 + 2 + 1 + 2;
            }
            pos += 4 + length;
        }
        throw new AssertionError("no server_name extension in the JDK's ClientHello");
    }

    /**
     * The same ClientHello grown with a padding extension (inserted first, so that a
     * pre_shared_key extension, which must come last, would stay last) until the handshake
     * message is {@code handshakeLength} bytes; one record, so at most 2^14.
     */
    static byte[] padded(byte[] record, int handshakeLength) {
        if (handshakeLength > MAX_RECORD_PAYLOAD) {
            throw new IllegalArgumentException("one record carries at most 2^14 bytes");
        }
        byte[] handshake = Arrays.copyOfRange(record, HEADER, record.length);
        int extensionsLengthAt = extensionsStart(handshake) - 2;
        int paddingData = handshakeLength - handshake.length - 4;
        if (paddingData < 0) {
            throw new IllegalArgumentException("the hello is already " + handshake.length + " bytes");
        }
        byte[] grown = new byte[handshakeLength];
        System.arraycopy(handshake, 0, grown, 0, extensionsLengthAt + 2);
        int at = extensionsLengthAt + 2;
        grown[at] = 0;
        grown[at + 1] = 21; // padding
        putU16(grown, at + 2, paddingData);
        // padding data: zeros, already there
        System.arraycopy(handshake, extensionsLengthAt + 2, grown, at + 4 + paddingData,
                handshake.length - extensionsLengthAt - 2);
        putU16(grown, extensionsLengthAt, u16(handshake, extensionsLengthAt) + 4 + paddingData);
        putU24(grown, 1, grown.length - 4);
        byte[] out = new byte[HEADER + grown.length];
        writeHeader(out, 0, record, grown.length);
        System.arraycopy(grown, 0, out, HEADER, grown.length);
        return out;
    }

    /** The SNI host name found in a record's hello, for a self-check of the crafted bytes. */
    static String hostName(byte[] singleRecord) {
        int at = hostNameOffset(singleRecord) + HEADER;
        int length = u16(singleRecord, at - 2);
        return new String(singleRecord, at, length, StandardCharsets.US_ASCII);
    }

    /** Offset of the first extension in a handshake message (msg_type at 0). */
    private static int extensionsStart(byte[] handshake) {
        int pos = 4 + 2 + 32;
        pos += 1 + (handshake[pos] & 0xff);     // legacy_session_id
        pos += 2 + u16(handshake, pos);         // cipher_suites
        pos += 1 + (handshake[pos] & 0xff);     // legacy_compression_methods
        int extensionsLength = u16(handshake, pos);
        assertEquals("extensions end the hello", handshake.length, pos + 2 + extensionsLength);
        return pos + 2;
    }

    private static void writeHeader(byte[] out, int at, byte[] original, int length) {
        out[at] = 22;
        out[at + 1] = original[1];
        out[at + 2] = original[2];
        putU16(out, at + 3, length);
    }

    static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    static int u24(byte[] b, int at) {
        return (b[at] & 0xff) << 16 | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff);
    }

    private static void putU16(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 8);
        b[at + 1] = (byte) value;
    }

    private static void putU24(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 16);
        b[at + 1] = (byte) (value >>> 8);
        b[at + 2] = (byte) value;
    }
}
