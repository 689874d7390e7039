package io.junction.sniffer.tls.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * Real ClientHellos from the JDK's SSLEngine, and surgery on them: re-framing into several TLS
 * records, adding extensions with the lengths fixed up, breaking lengths on purpose.
 *
 * <p>A "record" array is what goes on the wire (TLSPlaintext headers included); a "handshake"
 * array is one handshake message (msg_type, uint24 length, ClientHello body).
 */
final class Hellos {
    static final int EXT_SERVER_NAME = 0;
    static final int EXT_ALPN = 16;
    static final int EXT_PADDING = 21;
    static final int EXT_ECH = 0xfe0d;

    private static final SSLContext CONTEXT;

    static {
        try {
            CONTEXT = SSLContext.getInstance("TLS");
            CONTEXT.init(null, null, null);
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Hellos() {
    }

    /** A ClientHello as the JDK sends it (one record), default protocols (TLS 1.3 and 1.2). */
    static byte[] clientHello(String sni, String... alpn) {
        return clientHelloWith(null, sni, alpn);
    }

    /**
     * A ClientHello as the JDK sends it: {@code SSLEngine.wrap()} once in client mode.
     *
     * @param protocols enabled protocols, or null for the JDK's default
     * @param sni the server name, or null for none
     * @param alpn the ALPN protocols, none for no ALPN extension
     */
    static byte[] clientHelloWith(String[] protocols, String sni, String... alpn) {
        try {
            SSLEngine engine = CONTEXT.createSSLEngine();
            engine.setUseClientMode(true);
            if (protocols != null) {
                engine.setEnabledProtocols(protocols);
            }
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
            if (alpn.length > 0) {
                parameters.setApplicationProtocols(alpn);
            }
            engine.setSSLParameters(parameters);
            engine.beginHandshake();
            ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            SSLEngineResult result = engine.wrap(ByteBuffer.allocate(0), out);
            if (result.getStatus() != SSLEngineResult.Status.OK || result.bytesProduced() == 0) {
                throw new IllegalStateException("SSLEngine produced no ClientHello: " + result);
            }
            engine.closeOutbound();
            out.flip();
            byte[] bytes = new byte[out.remaining()];
            out.get(bytes);
            if (bytes[0] != 22 || u16(bytes, 3) != bytes.length - 5 || bytes[5] != 1) {
                throw new IllegalStateException("expected one handshake record with a ClientHello");
            }
            return bytes;
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The handshake message of a single-record hello. */
    static byte[] handshake(byte[] record) {
        return Arrays.copyOfRange(record, 5, record.length);
    }

    /**
     * Frames a handshake message into TLS records, cutting the message at {@code cuts} (positions
     * in the message, increasing): n cuts give n + 1 records.
     */
    static byte[] frame(byte[] handshake, int... cuts) {
        cuts = cuts.clone();
        Arrays.sort(cuts);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : handshake.length;
            record(out, 22, Arrays.copyOfRange(handshake, from, to));
            from = to;
        }
        return out.toByteArray();
    }

    /** Frames a handshake message into records of at most 2^14 bytes, as a TLS stack would. */
    static byte[] frameMax(byte[] handshake) {
        int records = (handshake.length + (1 << 14) - 1) >> 14;
        int[] cuts = new int[records - 1];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = (i + 1) << 14;
        }
        return frame(handshake, cuts);
    }

    static void record(ByteArrayOutputStream out, int type, byte[] fragment) {
        out.write(type);
        out.write(3);
        out.write(1); // TLS 1.3 clients often say 3.1 here (RFC 8446 section 5.1)
        out.write(fragment.length >> 8);
        out.write(fragment.length);
        out.write(fragment, 0, fragment.length);
    }

    /** Position in a handshake message of the extensions block's uint16 length. */
    static int extensionsAt(byte[] hs) {
        int p = 4 + 2 + 32;
        p += 1 + (hs[p] & 0xFF);
        p += 2 + u16(hs, p);
        p += 1 + (hs[p] & 0xFF);
        return p;
    }

    /** Position in a handshake message of the first extension of {@code type}, or -1. */
    static int extensionAt(byte[] hs, int type) {
        int at = extensionsAt(hs);
        int end = at + 2 + u16(hs, at);
        for (int p = at + 2; p < end; p += 4 + u16(hs, p + 2)) {
            if (u16(hs, p) == type) {
                return p;
            }
        }
        return -1;
    }

    /** A copy of a handshake message with one more extension, first or last, lengths fixed up. */
    static byte[] withExtension(byte[] hs, int type, byte[] data, boolean first) {
        int at = extensionsAt(hs);
        int insertAt = first ? at + 2 : hs.length;
        byte[] extension = new byte[4 + data.length];
        put16(extension, 0, type);
        put16(extension, 2, data.length);
        System.arraycopy(data, 0, extension, 4, data.length);
        byte[] result = new byte[hs.length + extension.length];
        System.arraycopy(hs, 0, result, 0, insertAt);
        System.arraycopy(extension, 0, result, insertAt, extension.length);
        System.arraycopy(hs, insertAt, result, insertAt + extension.length, hs.length - insertAt);
        put16(result, at, u16(hs, at) + extension.length);
        put24(result, 1, result.length - 4);
        return result;
    }

    /** One extension: type, length, data. */
    static byte[] extension(int type, byte[] data) {
        byte[] extension = new byte[4 + data.length];
        put16(extension, 0, type);
        put16(extension, 2, data.length);
        System.arraycopy(data, 0, extension, 4, data.length);
        return extension;
    }

    /**
     * A hand-made ClientHello handshake message: {@code legacyVersion}, zero random, no session
     * id, one cipher suite, null compression, and the given extensions (none: no block at all).
     */
    static byte[] synthetic(int legacyVersion, byte[]... extensions) {
        byte[] block = concat(extensions);
        byte[] body = concat(bytes(legacyVersion >> 8, legacyVersion), new byte[32], bytes(0),
                bytes(0, 2, 0x13, 0x01), bytes(1, 0),
                extensions.length == 0 ? new byte[0] : concat(bytes(block.length >> 8, block.length), block));
        byte[] hs = new byte[4 + body.length];
        hs[0] = 1;
        put24(hs, 1, body.length);
        System.arraycopy(body, 0, hs, 4, body.length);
        return hs;
    }

    /** A server_name extension's data with the given host_name. */
    static byte[] serverName(String host) {
        byte[] name = host.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] data = new byte[2 + 3 + name.length];
        put16(data, 0, 3 + name.length);
        data[2] = 0;
        put16(data, 3, name.length);
        System.arraycopy(name, 0, data, 5, name.length);
        return data;
    }

    static int u16(byte[] b, int p) {
        return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
    }

    static void put16(byte[] b, int p, int v) {
        b[p] = (byte) (v >> 8);
        b[p + 1] = (byte) v;
    }

    static void put24(byte[] b, int p, int v) {
        b[p] = (byte) (v >> 16);
        b[p + 1] = (byte) (v >> 8);
        b[p + 2] = (byte) v;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.write(part, 0, part.length);
        }
        return out.toByteArray();
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}
