package io.junction.api;

/**
 * The user event a handler installed by a {@link BindOption} or {@link ConnectionAction} fires
 * through the client pipeline ({@code ctx.fireUserEventTriggered(InspectionReady.INSTANCE)})
 * when its work is done, e.g. a PROXY header was decoded and the addresses were replaced, or
 * the TLS handshake completed. The core evaluates no rule on a connection until every option
 * that {@linkplain BindOption#defersInspection() defers inspection} has fired it; the inspect
 * delay still bounds the wait.
 */
public final class InspectionReady {

    /** The one instance: firing it allocates nothing. */
    public static final InspectionReady INSTANCE = new InspectionReady();

    private InspectionReady() {
    }

    @Override
    public String toString() {
        return "InspectionReady";
    }
}
