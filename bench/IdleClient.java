import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * bench/run.sh's idle-connection client: opens COUNT TCP connections to a loopback address and
 * holds them without sending anything, so that the proxy's memory per idle passthrough
 * connection can be read from /proc. Run as a single-file program:
 *
 * <pre>java IdleClient.java 127.0.0.1 PORT COUNT SETTLE_SECONDS HOLD_SECONDS</pre>
 *
 * Prints {@code connected=N failed=M} once every connect finished (at most 120 s), then after
 * SETTLE_SECONDS {@code open=N} (connections the proxy has not closed), then holds them until
 * HOLD_SECONDS have passed or it is killed. Every wait is bounded; loopback only.
 */
public final class IdleClient {
    /** Connects in flight at once: stays under the proxy's accept backlog. */
    private static final int MAX_IN_FLIGHT = 256;
    private static final long CONNECT_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(120);

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: java IdleClient.java 127.0.0.1 PORT COUNT SETTLE_SECONDS HOLD_SECONDS");
            System.exit(2);
        }
        InetAddress address = InetAddress.getByName(args[0]);
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException("loopback addresses only: " + address);
        }
        InetSocketAddress target = new InetSocketAddress(address, Integer.parseInt(args[1]));
        int count = Integer.parseInt(args[2]);
        long settleMillis = Long.parseLong(args[3]) * 1000;
        long holdMillis = Long.parseLong(args[4]) * 1000;

        List<SocketChannel> open = new ArrayList<>(count);
        int started = 0;
        int inFlight = 0;
        int failed = 0;
        long deadline = System.nanoTime() + CONNECT_DEADLINE_NANOS;
        try (Selector selector = Selector.open()) {
            while (open.size() + failed < count && System.nanoTime() < deadline) {
                while (started < count && inFlight < MAX_IN_FLIGHT) {
                    started++;
                    SocketChannel ch = SocketChannel.open();
                    try {
                        ch.configureBlocking(false);
                        if (ch.connect(target)) {
                            open.add(ch);
                        } else {
                            ch.register(selector, SelectionKey.OP_CONNECT);
                            inFlight++;
                        }
                    } catch (IOException e) {
                        failed++;
                        ch.close();
                    }
                }
                selector.select(100);
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext();) {
                    SelectionKey key = it.next();
                    it.remove();
                    SocketChannel ch = (SocketChannel) key.channel();
                    try {
                        if (ch.finishConnect()) {
                            key.cancel();
                            inFlight--;
                            open.add(ch);
                        }
                    } catch (IOException e) {
                        key.cancel();
                        inFlight--;
                        failed++;
                        ch.close();
                    }
                }
            }
            selector.selectNow(); // flush cancelled keys
        }
        System.out.println("connected=" + open.size() + " failed=" + failed);
        System.out.flush();

        Thread.sleep(settleMillis);
        // A non-blocking read returns 0 on a live idle connection and -1 (or throws) on one the
        // proxy closed.
        ByteBuffer probe = ByteBuffer.allocate(1);
        int alive = 0;
        for (SocketChannel ch : open) {
            try {
                probe.clear();
                if (ch.read(probe) >= 0) {
                    alive++;
                }
            } catch (IOException e) {
                // closed by the peer
            }
        }
        System.out.println("open=" + alive);
        System.out.flush();

        Thread.sleep(Math.max(0, holdMillis - settleMillis));
        for (SocketChannel ch : open) {
            ch.close();
        }
    }
}
