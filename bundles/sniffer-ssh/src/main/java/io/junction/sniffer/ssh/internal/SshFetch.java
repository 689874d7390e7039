package io.junction.sniffer.ssh.internal;

import io.junction.api.FactKey;
import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.junction.api.SampleType;

/**
 * The compiled fetches of the SSH sniffer. None takes arguments, so each keyword compiles to one
 * shared constant. A fetch only reads the fact the sniffer stored: it never parses and never
 * allocates.
 */
enum SshFetch implements Fetch {
    SSH_PROTO("req.ssh_proto", SshFacts.PROTO),
    SSH_SOFTWARE("req.ssh_software", SshFacts.SOFTWARE),
    SSH_COMMENTS("req.ssh_comments", SshFacts.COMMENTS);

    private final String keyword;
    private final FactKey<String> key;

    SshFetch(String keyword, FactKey<String> key) {
        this.keyword = keyword;
        this.key = key;
    }

    /** The fetch keyword, as listed in the service property {@code junction.fetch}. */
    String keyword() {
        return keyword;
    }

    /** Config time: the fetch for {@code keyword}, or {@code null} when the SSH sniffer does not serve it. */
    static SshFetch forKeyword(String keyword) {
        for (SshFetch fetch : values()) {
            if (fetch.keyword.equals(keyword)) {
                return fetch;
            }
        }
        return null;
    }

    /** Config time: every SSH fact is a String. */
    @Override
    public SampleType type() {
        return SampleType.STRING;
    }

    /**
     * Event loop: the value the sniffer stored for this connection, or {@code null} while the
     * identification line has not been read (or the client is not speaking SSH, or, for
     * {@code req.ssh_comments}, sent no comments). Does not block or allocate.
     */
    @Override
    public Object sample(Facts facts) {
        return facts.get(key);
    }

    /** Any thread: the keyword as written in a configuration, for logs and the shell. */
    @Override
    public String toString() {
        return keyword;
    }
}
