package io.junction.itests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where the OpenSSH tools are. Used on both sides: by {@link RequiresOpenSsh} in the Failsafe JVM
 * to decide whether to run at all, and by {@link OpenSshIT} in the framework to run them. Kept
 * apart from the runner so that the test probe never loads Pax Exam's runner classes.
 */
final class OpenSsh {

    private OpenSsh() {
    }

    /** Null when every OpenSSH tool is found, else what is missing and how to get it. */
    static String missing() {
        StringBuilder s = new StringBuilder();
        if (sshd() == null) {
            s.append(" sshd");
        }
        if (ssh() == null) {
            s.append(" ssh");
        }
        if (sshKeygen() == null) {
            s.append(" ssh-keygen");
        }
        return s.length() == 0 ? null
                : "OpenSSH not found (missing:" + s + "); install openssh-server and openssh-client (.ci/run does)";
    }

    static Path sshd() {
        return find("sshd", "/usr/sbin/sshd", "/usr/local/sbin/sshd");
    }

    static Path ssh() {
        return find("ssh", "/usr/bin/ssh", "/usr/local/bin/ssh");
    }

    static Path sshKeygen() {
        return find("ssh-keygen", "/usr/bin/ssh-keygen", "/usr/local/bin/ssh-keygen");
    }

    /** The first executable among {@code candidates}, then on PATH; absolute, or null. */
    private static Path find(String name, String... candidates) {
        for (String c : candidates) {
            Path p = Paths.get(c);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (!d.isEmpty()) {
                    Path p = Paths.get(d, name).toAbsolutePath();
                    if (Files.isExecutable(p)) {
                        return p;
                    }
                }
            }
        }
        return null;
    }

}
