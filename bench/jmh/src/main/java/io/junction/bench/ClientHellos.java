package io.junction.bench;

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
 * Real ClientHellos from the JDK's SSLEngine (as the TLS sniffer's own tests make them), grown
 * to a target size with a padding extension (RFC 7685, type 21) and framed into TLS records as a
 * TLS stack would: one record up to 2^14 bytes of handshake, more beyond (RFC 8446 section 5.1).
 * A padding extension is what a post-quantum key share looks like to a router: more bytes of an
 * extension it skips.
 */
final class ClientHellos {
    private static final int EXT_PADDING = 21;
    private static final int MAX_FRAGMENT = 1 << 14;

    private ClientHellos() {
    }

    /**
     * The bytes a client sends: TLS records carrying one ClientHello of about {@code wireBytes}
     * (record headers included).
     *
     * @param sni server name, or null for none
     * @param alpn ALPN protocols, none for no extension
     */
    static byte[] hello(int wireBytes, String sni, String... alpn) {
        byte[] record = jdkHello(sni, alpn);
        byte[] hs = Arrays.copyOfRange(record, 5, record.length);
        int records = (wireBytes - 5 + MAX_FRAGMENT - 1) / (MAX_FRAGMENT + 5);
        int targetHandshake = wireBytes - 5 * Math.max(1, records);
        int pad = targetHandshake - hs.length - 4;
        if (pad > 0) {
            hs = withExtension(hs, EXT_PADDING, new byte[pad]);
        }
        return frame(hs);
    }

    private static byte[] jdkHello(String sni, String... alpn) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, null, null);
            SSLEngine engine = context.createSSLEngine();
            engine.setUseClientMode(true);
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
        } catch (SSLException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Records of at most 2^14 bytes of the handshake message each. */
    private static byte[] frame(byte[] hs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int from = 0; from < hs.length; from += MAX_FRAGMENT) {
            int to = Math.min(hs.length, from + MAX_FRAGMENT);
            out.write(22);
            out.write(3);
            out.write(1);
            out.write((to - from) >> 8);
            out.write(to - from);
            out.write(hs, from, to - from);
        }
        return out.toByteArray();
    }

    /** Position of the extensions block's uint16 length in a handshake message. */
    private static int extensionsAt(byte[] hs) {
        int p = 4 + 2 + 32;
        p += 1 + (hs[p] & 0xFF);
        p += 2 + u16(hs, p);
        p += 1 + (hs[p] & 0xFF);
        return p;
    }

    /** A copy with one more extension at the end, lengths fixed up. */
    private static byte[] withExtension(byte[] hs, int type, byte[] data) {
        int at = extensionsAt(hs);
        byte[] result = Arrays.copyOf(hs, hs.length + 4 + data.length);
        put16(result, hs.length, type);
        put16(result, hs.length + 2, data.length);
        System.arraycopy(data, 0, result, hs.length + 4, data.length);
        put16(result, at, u16(hs, at) + 4 + data.length);
        int body = result.length - 4;
        result[1] = (byte) (body >> 16);
        result[2] = (byte) (body >> 8);
        result[3] = (byte) body;
        return result;
    }

    private static int u16(byte[] b, int p) {
        return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
    }

    private static void put16(byte[] b, int p, int v) {
        b[p] = (byte) (v >> 8);
        b[p + 1] = (byte) v;
    }
}
