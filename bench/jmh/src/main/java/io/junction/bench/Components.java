package io.junction.bench;

import io.junction.sniffer.http.internal.HttpSniffer;
import io.junction.sniffer.tls.internal.TlsSniffer;
import java.lang.annotation.Annotation;

/**
 * The plugins as Declarative Services would construct them, with their default configuration:
 * their public constructors take the metatype Config annotation, which we implement by hand.
 */
final class Components {
    private Components() {
    }

    static TlsSniffer tlsSniffer() {
        return new TlsSniffer(new TlsSniffer.Config() {
            @Override
            public int max_hello_bytes() {
                return TlsSniffer.DEFAULT_MAX_HELLO_BYTES;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return TlsSniffer.Config.class;
            }
        });
    }

    static HttpSniffer httpSniffer() {
        return new HttpSniffer(new HttpSniffer.Config() {
            @Override
            public int max_head_bytes() {
                return HttpSniffer.DEFAULT_MAX_HEAD_BYTES;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return HttpSniffer.Config.class;
            }
        });
    }
}
