package io.junction.backend.proxy.internal;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * Test vectors built by hand from the spec's structures, independently of Netty's codec, so that
 * the codec is checked against the spec rather than against itself.
 */
final class Headers {

    /** Spec 2.2: the v2 signature. */
    static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    /** Spec 2.1's example line. */
    static final String V1_EXAMPLE = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";

    private Headers() {
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A v2 header (spec 2.2): signature, ver_cmd, fam, len, then for fam 0x11 / 0x21 the
     * addresses and ports, then {@code tlvs} as given.
     */
    static byte[] v2(int verCmd, int fam, String src, String dst, int srcPort, int dstPort, byte[] tlvs)
            throws Exception {
        ByteArrayOutputStream addr = new ByteArrayOutputStream();
        if (src != null) {
            addr.writeBytes(rawAddress(src, fam == 0x21 || fam == 0x22 ? 16 : 4));
            addr.writeBytes(rawAddress(dst, fam == 0x21 || fam == 0x22 ? 16 : 4));
            addr.write(srcPort >> 8);
            addr.write(srcPort & 0xFF);
            addr.write(dstPort >> 8);
            addr.write(dstPort & 0xFF);
        }
        if (tlvs != null) {
            addr.writeBytes(tlvs);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SIGNATURE);
        out.write(verCmd);
        out.write(fam);
        out.write(addr.size() >> 8);
        out.write(addr.size() & 0xFF);
        out.writeBytes(addr.toByteArray());
        return out.toByteArray();
    }

    /** One TLV (spec 2.2: struct pp2_tlv { uint8_t type; uint8_t length_hi; uint8_t length_lo; value }). */
    static byte[] tlv(int type, byte[] value) {
        byte[] out = new byte[3 + value.length];
        out[0] = (byte) type;
        out[1] = (byte) (value.length >> 8);
        out[2] = (byte) value.length;
        System.arraycopy(value, 0, out, 3, value.length);
        return out;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] rawAddress(String literal, int length) throws Exception {
        byte[] b = InetAddress.getByName(literal).getAddress();
        if (b.length == length) {
            return b;
        }
        if (b.length == 4 && length == 16) {
            // An IPv4-mapped address in a TCP6 header: ::ffff:a.b.c.d
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(b, 0, mapped, 12, 4);
            return mapped;
        }
        throw new IllegalArgumentException(literal + " is not " + length + " bytes");
    }
}
