package io.junction.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A tiny TCP server and client that {@link TransparentNetnsIT} runs inside network namespaces
 * ({@code ip netns exec NS java -cp test-classes io.junction.launcher.NetnsProbe ...}):
 * <pre>
 *   serve ADDRESS PORT     accepts forever; tells each client "peer ADDRESS PORT" (what it sees)
 *   connect ADDRESS PORT   connects, prints "local ADDRESS PORT" then the server's line or "eof"
 * </pre>
 * Addresses are printed by InetAddress.getHostAddress, ports separately, so IPv6 is unambiguous.
 * Every wait is bounded; only numeric addresses, so nothing is ever resolved.
 */
public final class NetnsProbe {

    private NetnsProbe() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: NetnsProbe serve|connect ADDRESS PORT");
            System.exit(2);
        }
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(args[1]), Integer.parseInt(args[2]));
        if (args[0].equals("serve")) {
            serve(address);
        } else {
            System.exit(connect(address, System.out));
        }
    }

    private static void serve(InetSocketAddress address) throws IOException {
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(address, 64);
            System.out.println("listening " + address.getAddress().getHostAddress() + " " + address.getPort());
            System.out.flush();
            while (true) {
                try (Socket s = server.accept()) {
                    InetSocketAddress peer = (InetSocketAddress) s.getRemoteSocketAddress();
                    String line = "peer " + peer.getAddress().getHostAddress() + " " + peer.getPort() + "\n";
                    OutputStream out = s.getOutputStream();
                    out.write(line.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    System.out.print(line);
                    System.out.flush();
                }
            }
        }
    }

    private static int connect(InetSocketAddress address, PrintStream out) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 10_000);
            s.setSoTimeout(15_000);
            InetSocketAddress local = (InetSocketAddress) s.getLocalSocketAddress();
            out.println("local " + local.getAddress().getHostAddress() + " " + local.getPort());
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String line;
            try {
                line = in.readLine();
            } catch (SocketTimeoutException e) {
                line = "timeout";
            } catch (IOException e) {
                line = "eof (" + e.getMessage() + ")";
            }
            out.println(line == null ? "eof" : line);
            return 0;
        }
    }
}
