package io.junction.backend.transparent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** CapEff parsing from sample {@code /proc/self/status} texts. */
class CapabilitiesTest {

    /** A root shell on a 6.x kernel (abridged). */
    static final String ROOT = String.join("\n",
            "Name:\tjava",
            "Umask:\t0022",
            "State:\tS (sleeping)",
            "Uid:\t0\t0\t0\t0",
            "CapInh:\t0000000000000000",
            "CapPrm:\t000001ffffffffff",
            "CapEff:\t000001ffffffffff",
            "CapBnd:\t000001ffffffffff",
            "CapAmb:\t0000000000000000",
            "NoNewPrivs:\t0",
            "");

    /** An ordinary user. */
    static final String USER = ROOT.replace("Uid:\t0\t0\t0\t0", "Uid:\t1000\t1000\t1000\t1000")
            .replace("CapPrm:\t000001ffffffffff", "CapPrm:\t0000000000000000")
            .replace("CapEff:\t000001ffffffffff", "CapEff:\t0000000000000000");

    /** A service granted only CAP_NET_ADMIN (AmbientCapabilities=CAP_NET_ADMIN). */
    static final String NET_ADMIN_ONLY = USER.replace("CapEff:\t0000000000000000", "CapEff:\t0000000000001000")
            .replace("CapAmb:\t0000000000000000", "CapAmb:\t0000000000001000");

    /** Root with CAP_NET_ADMIN dropped from the bounding set (setpriv --bounding-set=-net_admin). */
    static final String ROOT_WITHOUT_NET_ADMIN = ROOT.replace("CapEff:\t000001ffffffffff", "CapEff:\t000001ffffffefff");

    @Test
    void readsTheEffectiveSet() {
        assertEquals(0x1ffffffffffL, Capabilities.effective(ROOT));
        assertEquals(0L, Capabilities.effective(USER));
        assertEquals(0x1000L, Capabilities.effective(NET_ADMIN_ONLY));
    }

    @Test
    void netAdminIsBitTwelve() {
        assertTrue(Capabilities.has(Capabilities.effective(ROOT), Capabilities.CAP_NET_ADMIN));
        assertTrue(Capabilities.has(Capabilities.effective(NET_ADMIN_ONLY), Capabilities.CAP_NET_ADMIN));
        assertFalse(Capabilities.has(Capabilities.effective(USER), Capabilities.CAP_NET_ADMIN));
        assertFalse(Capabilities.has(Capabilities.effective(ROOT_WITHOUT_NET_ADMIN), Capabilities.CAP_NET_ADMIN));
    }

    @Test
    void aTextWithoutAWellFormedCapEffSaysNothing() {
        assertNull(Capabilities.effective(null));
        assertNull(Capabilities.effective("Name:\tjava\n"));
        assertNull(Capabilities.effective("CapEff:\tzz\n"));
        assertNull(Capabilities.effective("CapEff:\t\n"));
        assertNull(Capabilities.effective("CapEff:\t00000000000000000000\n"));
    }

    @Test
    void allSixtyFourBitsParse() {
        assertEquals(-1L, Capabilities.effective("CapEff:\tffffffffffffffff\n"));
    }

    @Test
    void formatsLikeTheKernel() {
        assertEquals("000001ffffffefff", Capabilities.format(Capabilities.effective(ROOT_WITHOUT_NET_ADMIN)));
    }

    @Test
    void thisProcessHasAStatusOnLinux() {
        String status = Capabilities.readProcStatus();
        if (System.getProperty("os.name").startsWith("Linux")) {
            assertTrue(Capabilities.effective(status) != null, "CapEff in /proc/self/status");
        }
    }
}
