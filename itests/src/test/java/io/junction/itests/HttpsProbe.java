package io.junction.itests;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Clients of the TLS integration tests: a JDK HTTPS client that shows what a test needs to see
 * (the peer certificate, the negotiated ALPN protocol, its own source port, the response), and
 * the real {@code openssl s_client} for certificate and ALPN checks by a client nobody in this
 * project wrote.
 */
final class HttpsProbe {

    private HttpsProbe() {
    }

    /**
     * What one exchange showed. {@code status} is 0 and {@code body} empty when no request was
     * sent (handshake only) or no response came.
     */
    record Answer(String peerSubject, String alpn, int localPort, int status, String body) {
        /** The {@code <key>: } line of an {@link HttpsBackend} or {@link HttpBackend} body. */
        String field(String key) {
            for (String line : body.split("\n")) {
                if (line.startsWith(key + ": ")) {
                    return line.substring(key.length() + 2);
                }
            }
            return null;
        }

        /** Every value of header {@code name} that the backend echoed, in order. */
        List<String> headers(String name) {
            List<String> values = new ArrayList<>();
            for (String line : body.split("\n")) {
                if (line.startsWith("header: ")) {
                    String h = line.substring("header: ".length());
                    int colon = h.indexOf(':');
                    if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase(name)) {
                        values.add(h.substring(colon + 1).trim());
                    }
                }
            }
            return values;
        }

        @Override
        public String toString() {
            return "peer " + peerSubject + ", alpn " + alpn + ", from port " + localPort + ", status " + status
                    + ", body '" + body.replace("\n", "\\n") + "'";
        }
    }

    /**
     * Test thread: connects from {@code from} (any port) to 127.0.0.1:{@code port}, handshakes
     * with {@code sni} (null: none) and the ALPN list {@code alpn} (empty: no ALPN extension),
     * trusting any certificate (the point is to see which one arrives). When {@code host} is not
     * null, sends {@code GET path HTTP/1.1} with {@code Host: host} and {@code Connection: close}
     * and reads the response until the peer closes. Every read is bounded by the socket timeout.
     */
    static Answer exchange(InetAddress from, int port, String sni, List<String> alpn, String host, String path)
            throws IOException {
        try (Socket plain = new Socket()) {
            plain.setTcpNoDelay(true);
            plain.setSoTimeout(JunctionItSupport.SOCKET_TIMEOUT_MS);
            plain.bind(new InetSocketAddress(from, 0));
            plain.connect(new InetSocketAddress(JunctionItSupport.LOOPBACK, port), 5_000);
            try (SSLSocket tls = (SSLSocket) TlsClient.trustAll().getSocketFactory()
                    .createSocket(plain, "127.0.0.1", port, true)) {
                SSLParameters params = TlsClient.parameters(tls.getSSLParameters(), sni);
                params.setApplicationProtocols(alpn.toArray(new String[0]));
                tls.setSSLParameters(params);
                tls.startHandshake();
                X509Certificate cert = (X509Certificate) tls.getSession().getPeerCertificates()[0];
                String subject = cert.getSubjectX500Principal().getName();
                String negotiated = tls.getApplicationProtocol();
                negotiated = negotiated == null || negotiated.isEmpty() ? "-" : negotiated;
                if (host == null) {
                    return new Answer(subject, negotiated, plain.getLocalPort(), 0, "");
                }
                String request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: itest\r\n"
                        + "Connection: close\r\n\r\n";
                tls.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                tls.getOutputStream().flush();
                String response = readAll(tls.getInputStream());
                int status = 0;
                String body = "";
                if (response.startsWith("HTTP/1.")) {
                    status = Integer.parseInt(response.substring(9, 12));
                    int end = response.indexOf("\r\n\r\n");
                    body = end < 0 ? "" : response.substring(end + 4);
                }
                return new Answer(subject, negotiated, plain.getLocalPort(), status, body);
            }
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        while (true) {
            int n;
            try {
                n = in.read(chunk);
            } catch (SocketTimeoutException | SocketException e) {
                break; // what came is the answer; the assertion shows it
            }
            if (n < 0) {
                break;
            }
            got.write(chunk, 0, n);
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    /** What {@code openssl s_client} printed, and how it ended. */
    record SClient(int exitCode, String output) {
        /** The peer certificate's subject line, e.g. {@code subject=CN = app1.example.com}; null if none. */
        String subject() {
            for (String line : output.split("\n")) {
                if (line.startsWith("subject=")) {
                    return line.trim();
                }
            }
            return null;
        }

        /** {@code ALPN protocol: h2}, or {@code No ALPN negotiated}; null if neither line. */
        String alpnLine() {
            for (String line : output.split("\n")) {
                if (line.startsWith("ALPN protocol:") || line.startsWith("No ALPN negotiated")) {
                    return line.trim();
                }
            }
            return null;
        }
    }

    /**
     * Test thread: runs {@code openssl s_client -connect 127.0.0.1:port -servername sni
     * [-alpn list]} with stdin at EOF (it handshakes, prints the session and quits). Bounded.
     */
    static SClient sClient(int port, String sni, String alpn) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", sni));
        if (alpn != null) {
            command.addAll(List.of("-alpn", alpn));
        }
        File out = File.createTempFile("s_client", ".out");
        try {
            Process p;
            try {
                p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            } catch (IOException e) {
                throw new AssertionError("the openssl binary is needed by the TLS itests (CI installs it through"
                        + " .ci/run): " + e, e);
            }
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("openssl s_client did not exit within 30 s: " + command);
            }
            return new SClient(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.ISO_8859_1));
        } finally {
            out.delete();
        }
    }
}
