package io.junction.sniffer.tls.internal;

import io.junction.api.Facts;
import io.junction.api.SniffResult;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads a TLS ClientHello from the client's first bytes without consuming them: every read is an
 * absolute {@code get}, so the buffer's reader and writer indexes never move, and nothing is
 * retained or released (the core owns the buffer).
 *
 * <p>The parse has two steps. The <b>record scan</b> walks the TLS records (RFC 8446 section 5.1)
 * just far enough to learn the handshake message's length and to know whether all the records
 * that carry it have arrived; it rejects anything that is not a handshake record from the first
 * wrong byte, and answers {@link SniffResult#NEED_MORE} for a prefix. Only then does the <b>hello
 * parse</b> read the ClientHello body: in place with absolute indexes when one record carries it
 * (the common case: no allocation but the facts), or through a {@link Fragments} map when it
 * spans records (a post-quantum or padded hello), still without copying.
 *
 * <p>Strictness: a malformed hello (lengths that do not add up, an extension overrunning its
 * block, two extensions of a type this parser reads) is {@link SniffResult#NOT_APPLICABLE}, as a
 * TLS server would abort it with {@code decode_error}; routing it by a name read from it would
 * let a client show the router one name and the server another.
 *
 * <p><b>req.ssl_ver</b>: HAProxy documents it as "the version of the SSL/TLS protocol of a
 * stream", major * 65536 + minor, and its code reads the record layer's version. That field has
 * carried no information since TLS 1.3 (RFC 8446 section 5.1: {@code legacy_record_version} is
 * 0x0301 or 0x0303 whatever the client supports), nor does the hello's {@code legacy_version}
 * (frozen at 0x0303). We report the highest version the client offers: the greatest TLS value in
 * supported_versions (RFC 8446 section 4.2.1, GREASE values ignored), else the ClientHello's
 * client_version (RFC 5246 section 7.4.1.2: "the latest (highest valued) version supported by the
 * client"). So a TLS 1.3 client is 3.4, where HAProxy says 3.1 or 3.3 depending on the client's
 * record layer; nginx's {@code $ssl_preread_protocol} makes the same choice.
 *
 * <p>Thread: the event loop of the connection being sniffed. Never blocks; stateless and
 * thread-safe (everything lives in locals).
 */
final class ClientHelloParser {

    // RFC 8446 section 5.1, Record Layer:
    //
    //   enum {
    //       invalid(0),
    //       change_cipher_spec(20),
    //       alert(21),
    //       handshake(22),
    //       application_data(23),
    //       (255)
    //   } ContentType;
    //
    //   struct {
    //       ContentType type;
    //       ProtocolVersion legacy_record_version;
    //       uint16 length;
    //       opaque fragment[TLSPlaintext.length];
    //   } TLSPlaintext;
    //
    // "length: The length (in bytes) of the following TLSPlaintext.fragment. The length MUST NOT
    // exceed 2^14 bytes." "Implementations MUST NOT send zero-length fragments of Handshake
    // types" and "Handshake messages MUST NOT be interleaved with other record types. That is,
    // if a handshake message is split over two or more records, there MUST NOT be any other
    // records between them."

    /** TLSPlaintext header: type(1) legacy_record_version(2) length(2). */
    static final int RECORD_HEADER_LENGTH = 5;
    /** ContentType handshake(22). */
    private static final int CONTENT_TYPE_HANDSHAKE = 22;
    /** Largest TLSPlaintext.fragment, 2^14 (RFC 8446 section 5.1; a larger one is record_overflow). */
    static final int MAX_FRAGMENT_LENGTH = 1 << 14;
    /**
     * Largest record-layer minor version accepted with major 3: SSL 3.0 (3.0) to TLS 1.3's own
     * number (3.4), which no record should carry but which is harmless to accept.
     */
    private static final int MAX_RECORD_MINOR = 4;

    // RFC 8446 section 4, Handshake Protocol:
    //
    //   struct {
    //       HandshakeType msg_type;    /* handshake type */
    //       uint24 length;             /* remaining bytes in message */
    //       select (Handshake.msg_type) {
    //           case client_hello:          ClientHello;
    //           ...
    //       };
    //   } Handshake;

    /** Handshake header: msg_type(1) length(3). */
    private static final int HANDSHAKE_HEADER_LENGTH = 4;
    /** HandshakeType client_hello(1). */
    private static final int CLIENT_HELLO = 1;

    // RFC 8446 section 4.1.2, Client Hello (RFC 5246 section 7.4.1.2 for TLS 1.2 and older, where
    // the extensions are optional: "select (extensions_present) { case false: struct {}; ... }"):
    //
    //   uint16 ProtocolVersion;
    //   opaque Random[32];
    //   uint8 CipherSuite[2];    /* Cryptographic suite selector */
    //
    //   struct {
    //       ProtocolVersion legacy_version = 0x0303;    /* TLS v1.2 */
    //       Random random;
    //       opaque legacy_session_id<0..32>;
    //       CipherSuite cipher_suites<2..2^16-2>;
    //       opaque legacy_compression_methods<1..2^8-1>;
    //       Extension extensions<8..2^16-1>;
    //   } ClientHello;

    /**
     * Smallest ClientHello body: version(2) random(32) session_id(1+0) cipher_suites(2+2)
     * compression_methods(1+1), no extensions (allowed before TLS 1.3).
     */
    static final int MIN_CLIENT_HELLO_LENGTH = 2 + 32 + 1 + 2 + 2 + 1 + 1;
    private static final int RANDOM_LENGTH = 32;
    private static final int MAX_SESSION_ID_LENGTH = 32;

    // RFC 8446 section 4.2, Extensions:
    //
    //   struct {
    //       ExtensionType extension_type;
    //       opaque extension_data<0..2^16-1>;
    //   } Extension;
    //
    // "There MUST NOT be more than one extension of the same type in a given extension block."

    /** server_name(0), RFC 6066 section 3. */
    private static final int EXT_SERVER_NAME = 0;
    /** supported_groups(10), RFC 8446 section 4.2.7; "elliptic_curves" in RFC 4492 section 5.1. */
    private static final int EXT_SUPPORTED_GROUPS = 10;
    /** application_layer_protocol_negotiation(16), RFC 7301 section 3.1. */
    private static final int EXT_ALPN = 16;
    /** supported_versions(43), RFC 8446 section 4.2.1. */
    private static final int EXT_SUPPORTED_VERSIONS = 43;
    /** encrypted_client_hello(0xfe0d), draft-ietf-tls-esni section 11.1. */
    private static final int EXT_ENCRYPTED_CLIENT_HELLO = 0xfe0d;

    // Bits of the extensions seen, to reject duplicates of those we read.
    private static final int SEEN_SERVER_NAME = 1;
    private static final int SEEN_SUPPORTED_GROUPS = 1 << 1;
    private static final int SEEN_ALPN = 1 << 2;
    private static final int SEEN_SUPPORTED_VERSIONS = 1 << 3;
    private static final int SEEN_ECH = 1 << 4;

    /** Returned by the extension readers: extension absent or empty. Positions are never negative. */
    private static final int NONE = -1;
    /** Returned by the extension readers: extension malformed, the hello is rejected. */
    private static final int MALFORMED = -2;

    /**
     * Longest host_name taken as an SNI: a DNS name is at most 255 octets (RFC 1035 section
     * 2.3.4); a longer one is not a name any server has, so routing on it is pointless.
     */
    private static final int MAX_HOST_NAME_LENGTH = 255;

    /** The hello type is always client_hello: one shared Long. */
    private static final Long HELLO_TYPE_CLIENT_HELLO = 1L;
    /** req.ssl_ver values for SSL 3.0 .. TLS 1.3, shared so that the common case allocates nothing. */
    private static final Long[] TLS_VERSIONS = {
        0x30000L, 0x30001L, 0x30002L, 0x30003L, 0x30004L,
    };

    private ClientHelloParser() {
    }

    /**
     * Event loop: examines {@code in}'s readable bytes; on {@link SniffResult#DONE} puts every
     * fact of {@link TlsFacts} that the hello carries into {@code out}, otherwise puts nothing.
     *
     * @param in the connection's first bytes; read with absolute indexes only, not retained, not
     *        released
     * @param maxHelloBytes the cap on the record bytes that carry the hello (headers included),
     *        from the buffer's reader index: past it the hello is NOT_APPLICABLE
     */
    static SniffResult parse(ByteBuf in, Facts out, int maxHelloBytes) {
        final int start = in.readerIndex();
        final int limit = in.writerIndex();
        int record = start;
        int records = 0;
        int header = 0;         // the handshake header bytes read so far, big-endian
        int headerLength = 0;   // how many of its 4 bytes were read (they may straddle records)
        int messageLength = -1; // 4 + the ClientHello body's length, once the header is read
        int carried = 0;        // handshake bytes in the complete records scanned so far

        while (true) {
            // TLSPlaintext header, byte by byte: what is not TLS is rejected from its first byte
            // (an HTTP request, an SSH banner, an SSLv2 hello with its high bit set).
            if (record >= limit) {
                return SniffResult.NEED_MORE;
            }
            if (in.getUnsignedByte(record) != CONTENT_TYPE_HANDSHAKE) {
                return SniffResult.NOT_APPLICABLE;
            }
            if (record + 1 >= limit) {
                return SniffResult.NEED_MORE;
            }
            if (in.getUnsignedByte(record + 1) != 3) {
                return SniffResult.NOT_APPLICABLE;
            }
            if (record + 2 >= limit) {
                return SniffResult.NEED_MORE;
            }
            if (in.getUnsignedByte(record + 2) > MAX_RECORD_MINOR) {
                return SniffResult.NOT_APPLICABLE;
            }
            if (limit - record < RECORD_HEADER_LENGTH) {
                return SniffResult.NEED_MORE;
            }
            int length = in.getUnsignedShort(record + 3);
            if (length == 0 || length > MAX_FRAGMENT_LENGTH) {
                return SniffResult.NOT_APPLICABLE;
            }
            int fragment = record + RECORD_HEADER_LENGTH;
            int recordEnd = fragment + length;
            if (recordEnd - start > maxHelloBytes) {
                // The records needed to carry the hello go past the cap: the core would stop
                // buffering before they complete, so say now that this is not for us.
                return SniffResult.NOT_APPLICABLE;
            }

            // The handshake header, which the first records carry (one byte per record at worst).
            int available = Math.min(recordEnd, limit);
            for (int i = fragment; headerLength < HANDSHAKE_HEADER_LENGTH && i < available; i++) {
                header = (header << 8) | in.getUnsignedByte(i);
                headerLength++;
                if (headerLength == 1 && header != CLIENT_HELLO) {
                    return SniffResult.NOT_APPLICABLE;
                }
                if (headerLength == HANDSHAKE_HEADER_LENGTH) {
                    int bodyLength = header & 0xFFFFFF;
                    if (bodyLength < MIN_CLIENT_HELLO_LENGTH) {
                        return SniffResult.NOT_APPLICABLE;
                    }
                    messageLength = HANDSHAKE_HEADER_LENGTH + bodyLength;
                    if (messageLength > maxHelloBytes) {
                        // Cannot fit under the cap even with a single record header.
                        return SniffResult.NOT_APPLICABLE;
                    }
                }
            }
            if (recordEnd > limit) {
                return SniffResult.NEED_MORE;
            }
            records++;
            carried += length;
            if (messageLength >= 0 && carried >= messageLength) {
                if (records == 1) {
                    int hello = start + RECORD_HEADER_LENGTH;
                    return parseHello(in, null, hello, hello + messageLength, out);
                }
                return parseHello(in, Fragments.of(in, start, records), 0, messageLength, out);
            }
            record = recordEnd;
        }
    }

    /**
     * Parses the ClientHello handshake message at {@code [message, end)}: buffer indexes when
     * {@code fragments} is null, positions in the message otherwise. Every length is checked
     * against {@code end} before it is used, so no read goes past the bytes the scan validated.
     */
    private static SniffResult parseHello(ByteBuf in, Fragments fragments, int message, int end, Facts out) {
        int p = message + HANDSHAKE_HEADER_LENGTH;

        // legacy_version (client_version before TLS 1.3); the length check ran in the scan.
        int legacyVersion = u16(in, fragments, p);
        if ((legacyVersion >>> 8) != 3) {
            return SniffResult.NOT_APPLICABLE;
        }
        p += 2 + RANDOM_LENGTH;

        int sessionIdLength = u8(in, fragments, p);
        p++;
        if (sessionIdLength > MAX_SESSION_ID_LENGTH || end - p < sessionIdLength) {
            return SniffResult.NOT_APPLICABLE;
        }
        p += sessionIdLength;

        if (end - p < 2) {
            return SniffResult.NOT_APPLICABLE;
        }
        int cipherSuitesLength = u16(in, fragments, p);
        p += 2;
        if (cipherSuitesLength < 2 || (cipherSuitesLength & 1) != 0 || end - p < cipherSuitesLength) {
            return SniffResult.NOT_APPLICABLE;
        }
        p += cipherSuitesLength;

        if (end - p < 1) {
            return SniffResult.NOT_APPLICABLE;
        }
        int compressionLength = u8(in, fragments, p);
        p++;
        if (compressionLength < 1 || end - p < compressionLength) {
            return SniffResult.NOT_APPLICABLE;
        }
        p += compressionLength;

        int seen = 0;
        int hostName = NONE;      // position of the host_name's uint16 length
        int alpnList = NONE;      // position of the ProtocolNameList's uint16 length
        int alpnCount = 0;
        int version = legacyVersion;
        if (p < end) {
            if (end - p < 2) {
                return SniffResult.NOT_APPLICABLE;
            }
            int extensionsLength = u16(in, fragments, p);
            p += 2;
            if (extensionsLength != end - p) {
                // The extensions block must fill the rest of the message exactly.
                return SniffResult.NOT_APPLICABLE;
            }
            while (p < end) {
                if (end - p < 4) {
                    return SniffResult.NOT_APPLICABLE;
                }
                int type = u16(in, fragments, p);
                int length = u16(in, fragments, p + 2);
                p += 4;
                if (length > end - p) {
                    return SniffResult.NOT_APPLICABLE; // overruns the extensions block
                }
                int data = p;
                p += length;
                int bit;
                switch (type) {
                    case EXT_SERVER_NAME:
                        bit = SEEN_SERVER_NAME;
                        hostName = hostName(in, fragments, data, length);
                        if (hostName == MALFORMED) {
                            return SniffResult.NOT_APPLICABLE;
                        }
                        break;
                    case EXT_ALPN:
                        bit = SEEN_ALPN;
                        alpnCount = countProtocolNames(in, fragments, data, length);
                        if (alpnCount == MALFORMED) {
                            return SniffResult.NOT_APPLICABLE;
                        }
                        alpnList = data;
                        break;
                    case EXT_SUPPORTED_VERSIONS:
                        bit = SEEN_SUPPORTED_VERSIONS;
                        int highest = highestVersion(in, fragments, data, length);
                        if (highest == MALFORMED) {
                            return SniffResult.NOT_APPLICABLE;
                        }
                        if (highest != NONE) {
                            version = highest;
                        }
                        break;
                    case EXT_SUPPORTED_GROUPS:
                        bit = SEEN_SUPPORTED_GROUPS;
                        break;
                    case EXT_ENCRYPTED_CLIENT_HELLO:
                        bit = SEEN_ECH;
                        break;
                    default:
                        bit = 0;
                        break;
                }
                if ((seen & bit) != 0) {
                    return SniffResult.NOT_APPLICABLE; // a second extension of a type we read
                }
                seen |= bit;
            }
        }

        // Valid. Read every value first, then store them all, so that nothing is stored unless
        // the result is DONE.
        String sni = hostName == NONE ? null : hostNameString(in, fragments, hostName);
        List<String> alpn = alpnCount > 0 ? protocolNames(in, fragments, alpnList, alpnCount) : null;
        int minor = version & 0xFF;
        out.put(TlsFacts.HELLO_TYPE, HELLO_TYPE_CLIENT_HELLO);
        out.put(TlsFacts.VERSION, minor < TLS_VERSIONS.length ? TLS_VERSIONS[minor] : Long.valueOf(0x30000L | minor));
        out.put(TlsFacts.EC_EXT, (seen & SEEN_SUPPORTED_GROUPS) != 0 ? Boolean.TRUE : Boolean.FALSE);
        out.put(TlsFacts.ECH, (seen & SEEN_ECH) != 0 ? Boolean.TRUE : Boolean.FALSE);
        if (sni != null) {
            out.put(TlsFacts.SNI, sni);
        }
        if (alpn != null) {
            out.put(TlsFacts.ALPN, alpn);
        }
        return SniffResult.DONE;
    }

    /**
     * Finds the host_name in a server_name extension. RFC 6066 section 3:
     *
     * <pre>
     *   struct {
     *       NameType name_type;
     *       select (name_type) {
     *           case host_name: HostName;
     *       } name;
     *   } ServerName;
     *
     *   enum {
     *       host_name(0), (255)
     *   } NameType;
     *
     *   opaque HostName&lt;1..2^16-1&gt;;
     *
     *   struct {
     *       ServerName server_name_list&lt;1..2^16-1&gt;
     *   } ServerNameList;
     * </pre>
     *
     * "The ServerNameList MUST NOT contain more than one name of the same name_type"; other name
     * types "MUST begin with a 16-bit length field", so they are skipped by that length.
     *
     * @return the position of the host_name's uint16 length, {@link #NONE} when the list has no
     *         host_name (or the extension is empty), {@link #MALFORMED}
     */
    private static int hostName(ByteBuf in, Fragments f, int data, int length) {
        if (length == 0) {
            return NONE; // empty extension_data: the form a server answers with; tolerated, no name
        }
        if (length < 2 || u16(in, f, data) != length - 2) {
            return MALFORMED;
        }
        int end = data + length;
        int p = data + 2;
        if (p == end) {
            return MALFORMED; // server_name_list<1..2^16-1>
        }
        int found = NONE;
        while (p < end) {
            if (end - p < 3) {
                return MALFORMED;
            }
            int nameType = u8(in, f, p);
            int nameLength = u16(in, f, p + 1);
            if (nameLength > end - p - 3) {
                return MALFORMED;
            }
            if (nameType == 0) {
                if (found != NONE || nameLength == 0) {
                    return MALFORMED; // two host_names, or an empty HostName<1..2^16-1>
                }
                found = p + 1;
            }
            p += 3 + nameLength;
        }
        return found;
    }

    /**
     * The host_name as a String, or {@code null} when it is not a plausible DNS name: longer
     * than 255 bytes, or with a byte outside printable ASCII (RFC 6066: "the hostname is
     * represented as a byte string using ASCII encoding"). Such a name cannot select a server
     * and would carry control characters into logs; the hello is still a hello (DONE), without SNI.
     */
    private static String hostNameString(ByteBuf in, Fragments f, int lengthAt) {
        int length = u16(in, f, lengthAt);
        if (length > MAX_HOST_NAME_LENGTH) {
            return null;
        }
        int name = lengthAt + 2;
        for (int i = 0; i < length; i++) {
            int b = u8(in, f, name + i);
            if (b <= 0x20 || b >= 0x7F) {
                return null;
            }
        }
        return latin1(in, f, name, length);
    }

    /**
     * Validates an ALPN extension and counts its names. RFC 7301 section 3.1:
     *
     * <pre>
     *   opaque ProtocolName&lt;1..2^8-1&gt;;
     *
     *   struct {
     *       ProtocolName protocol_name_list&lt;2..2^16-1&gt;
     *   } ProtocolNameList;
     * </pre>
     *
     * @return the number of names (at least 1), or {@link #MALFORMED}
     */
    private static int countProtocolNames(ByteBuf in, Fragments f, int data, int length) {
        if (length < 2 || u16(in, f, data) != length - 2 || length - 2 < 2) {
            return MALFORMED;
        }
        int end = data + length;
        int p = data + 2;
        int count = 0;
        while (p < end) {
            int nameLength = u8(in, f, p);
            p++;
            if (nameLength == 0 || nameLength > end - p) {
                return MALFORMED;
            }
            p += nameLength;
            count++;
        }
        return count;
    }

    /**
     * The ALPN names as an unmodifiable list, each name's bytes as ISO-8859-1 characters (one
     * char per byte, so that no two distinct byte strings compare equal). The IANA names are ASCII.
     */
    private static List<String> protocolNames(ByteBuf in, Fragments f, int data, int count) {
        int p = data + 2;
        int firstLength = u8(in, f, p);
        String first = latin1(in, f, p + 1, firstLength);
        if (count == 1) {
            return List.of(first);
        }
        p += 1 + firstLength;
        if (count == 2) {
            return List.of(first, latin1(in, f, p + 1, u8(in, f, p)));
        }
        String[] names = new String[count];
        names[0] = first;
        for (int i = 1; i < count; i++) {
            int nameLength = u8(in, f, p);
            names[i] = latin1(in, f, p + 1, nameLength);
            p += 1 + nameLength;
        }
        return List.of(names);
    }

    /**
     * The highest TLS version (major 3) in a ClientHello's supported_versions extension. RFC 8446
     * section 4.2.1:
     *
     * <pre>
     *   struct {
     *       select (Handshake.msg_type) {
     *           case client_hello:
     *                ProtocolVersion versions&lt;2..254&gt;;
     *           case server_hello: /* and HelloRetryRequest *&#47;
     *                ProtocolVersion selected_version;
     *       };
     *   } SupportedVersions;
     * </pre>
     *
     * GREASE values (RFC 8701, 0x0A0A, 0x1A1A, ...) and anything not major 3 (DTLS, drafts) are
     * skipped by the major check.
     *
     * @return the version as {@code 0x03MM}, {@link #NONE} when no TLS version is listed, or
     *         {@link #MALFORMED}
     */
    private static int highestVersion(ByteBuf in, Fragments f, int data, int length) {
        if (length < 1) {
            return MALFORMED;
        }
        int listLength = u8(in, f, data);
        if (listLength != length - 1 || listLength < 2 || (listLength & 1) != 0) {
            return MALFORMED;
        }
        int highest = NONE;
        for (int p = data + 1, end = data + length; p < end; p += 2) {
            int version = u16(in, f, p);
            if ((version >>> 8) == 3 && version > highest) {
                highest = version;
            }
        }
        return highest;
    }

    private static int u8(ByteBuf in, Fragments f, int position) {
        return in.getUnsignedByte(f == null ? position : f.index(position));
    }

    private static int u16(ByteBuf in, Fragments f, int position) {
        if (f == null) {
            return in.getUnsignedShort(position);
        }
        // The two bytes may lie in two records.
        return (in.getUnsignedByte(f.index(position)) << 8) | in.getUnsignedByte(f.index(position + 1));
    }

    /** Copies {@code length} bytes out as a String of ISO-8859-1 characters (ASCII is a subset). */
    private static String latin1(ByteBuf in, Fragments f, int position, int length) {
        if (f == null) {
            return in.toString(position, length, StandardCharsets.ISO_8859_1);
        }
        // Spans records: gather the bytes (multi-record case only).
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = in.getByte(f.index(position + i));
        }
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
